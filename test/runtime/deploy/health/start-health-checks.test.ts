/** The shell: real timers and a scripted probe. */
import { describe, expect, it } from "vitest";
import { startHealthChecks, type HealthChange } from "../../../../runtime/deploy/health/index.ts";
import type { Instance, ProbeResult } from "../../../../runtime/deploy/types.ts";

const instance = (id: string): Instance => ({ id, host: "127.0.0.1", port: 1, version: "v1" });
const timing = { intervalMs: 20, timeoutMs: 50, initialDelayMs: 0, failureThreshold: 2, successThreshold: 1 };

describe("startHealthChecks", () => {
  it("reports ready, then unready after failureThreshold failures, per instance", async () => {
    let healthy = true;
    const probed: string[] = [];
    const changes: Pick<HealthChange, "instanceId" | "from" | "to" | "reason">[] = [];
    const checks = startHealthChecks(
      [instance("a")],
      async (target) => {
        probed.push(target.id);
        return healthy || target.id === "b" ? { ok: true } : { ok: false, reason: "down" };
      },
      timing,
      ({ instanceId, from, to, reason }) => changes.push({ instanceId, from, to, reason }),
    );
    checks.add(instance("b"));
    await expect.poll(() => changes.length).toBe(2);
    expect(changes).toEqual(
      expect.arrayContaining([
        { instanceId: "a", from: "pending", to: "ready", reason: null },
        { instanceId: "b", from: "pending", to: "ready", reason: null },
      ]),
    );
    healthy = false;
    await expect.poll(() => changes.length).toBe(3);
    expect(changes[2]).toEqual({ instanceId: "a", from: "ready", to: "unready", reason: "down" });
    expect(checks.get("a")?.consecutiveFailures).toBeGreaterThanOrEqual(2);
    checks.remove("b");
    await checks.stop();
    const count = probed.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(probed.length).toBe(count);
  });

  it("counts a probe that hangs or throws as a failure", async () => {
    const changes: HealthChange[] = [];
    const probes: Record<string, () => Promise<ProbeResult>> = {
      hang: () => new Promise(() => {}),
      throw: () => Promise.reject(new Error("boom")),
    };
    const checks = startHealthChecks(
      [instance("hang"), instance("throw")],
      (target) => probes[target.id]!(),
      { ...timing, failureThreshold: 1 },
      (change) => changes.push(change),
    );
    await expect.poll(() => changes.length, { timeout: 2_000 }).toBe(2);
    await checks.stop();
    const reasons = Object.fromEntries(changes.map((change) => [change.instanceId, change.reason]));
    expect(reasons).toEqual({ hang: "the probe gave no result within 50 ms", throw: "the probe failed: boom" });
  });
});
