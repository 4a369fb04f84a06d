import { describe, expect, it } from "vitest";
import { resolveIntOrPercent, rollingLimits } from "../../../../runtime/deploy/strategy/index.ts";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { World, base, parseDeployment, routerSample, type WorldOptions } from "./harness.ts";

type RollingInput = Extract<DeploymentInput, { strategy: "rolling" }>;

function rolling(extra: Partial<RollingInput>, options: WorldOptions = {}): World {
  return new World({ ...base, strategy: "rolling", ...extra }, options);
}

/** Kubernetes' rolling invariants, checked after every transition of the engine. */
function invariants(extra: Partial<RollingInput>): { check: (world: World) => void; violations: string[] } {
  const deployment = parseDeployment({ ...base, strategy: "rolling", ...extra });
  if (deployment.strategy !== "rolling") throw new Error("rolling only");
  const { maxTotal, minAvailable } = rollingLimits(deployment);
  const violations: string[] = [];
  const check = (world: World) => {
    if (world.state.abort !== null) return;
    const total = world.count("stable") + world.count("canary");
    const ready = world.readyCount("stable") + world.readyCount("canary");
    if (total > maxTotal) violations.push(`${world.now}ms: ${total} instances > ${maxTotal}`);
    if (ready < minAvailable) violations.push(`${world.now}ms: ${ready} ready < ${minAvailable}`);
  };
  return { check, violations };
}

describe("rolling: bounds", () => {
  it.each([
    [1, 4, "up", 1],
    ["25%", 4, "up", 1],
    ["25%", 10, "up", 3],
    ["25%", 10, "down", 2],
    ["25%", 3, "down", 0],
    ["25%", 3, "up", 1],
    ["100%", 5, "down", 5],
    ["0%", 5, "up", 0],
  ] as const)("%s of %i replicas rounded %s is %i", (value, replicas, round, expected) => {
    expect(resolveIntOrPercent(value, replicas, round)).toBe(expected);
  });
});

describe("rolling: batches", () => {
  it.each([
    { replicas: 4, maxSurge: 1, maxUnavailable: 0, readyAfterMs: 2000, minReadyMs: 0 },
    { replicas: 4, maxSurge: "25%", maxUnavailable: "25%", readyAfterMs: 2000, minReadyMs: 0 },
    { replicas: 10, maxSurge: "25%", maxUnavailable: "25%", readyAfterMs: 3000, minReadyMs: 2000 },
    { replicas: 3, maxSurge: 0, maxUnavailable: 1, readyAfterMs: 1000, minReadyMs: 0 },
    { replicas: 5, maxSurge: "50%", maxUnavailable: 0, readyAfterMs: 0, minReadyMs: 5000 },
    { replicas: 1, maxSurge: 1, maxUnavailable: 0, readyAfterMs: 0, minReadyMs: 0 },
  ] as const)("replicas $replicas, maxSurge $maxSurge, maxUnavailable $maxUnavailable: bounds hold at every tick", ({ readyAfterMs, ...extra }) => {
    const monitor = invariants(extra);
    const world = rolling(extra, { readiness: (_, __, age) => (age >= readyAfterMs ? "ready" : "unready"), check: monitor.check });
    world.runUntil((w) => w.state.phase === "Healthy", 600_000);
    expect(monitor.violations).toEqual([]);
    expect(world.finished()?.result).toBe("healthy");
    expect([world.count("canary"), world.count("stable")]).toEqual([extra.replicas, 0]);
    expect(world.router).toEqual({ stable: 0, canary: 100 });
    // Traffic follows the available instances, one confirmed split per batch.
    const canaryWeights = world.actionsOf("set-weights").map((a) => a.weights.canary);
    expect(canaryWeights[0]).toBe(0);
    expect(canaryWeights.at(-1)).toBe(100);
    expect(canaryWeights).toEqual([...canaryWeights].sort((a, b) => a - b));
    if (extra.replicas > 1) expect(canaryWeights.length).toBeGreaterThan(2);
    world.tick(60_000);
    expect(world.state.settled).toBe(true);
  });

  it("maxSurge 1, maxUnavailable 0 goes one instance at a time", () => {
    const world = rolling({ replicas: 3, maxSurge: 1, maxUnavailable: 0 }, { readiness: (_, __, age) => (age >= 1000 ? "ready" : "unready") });
    const counts: string[] = [];
    for (let i = 0; i < 4; i++) {
      counts.push(`new ${world.count("canary")} old ${world.count("stable")} canary ${world.weights?.canary}%`);
      world.tick(1000);
    }
    expect(counts).toEqual(["new 1 old 3 canary 0%", "new 2 old 2 canary 33%", "new 3 old 1 canary 67%", "new 3 old 0 canary 100%"]);
    expect(world.phase).toBe("Healthy");
  });

  it("an instance that never gets ready: the progress deadline aborts and rolls back", () => {
    const world = rolling(
      { replicas: 4, maxSurge: 1, maxUnavailable: 0, progressDeadlineMs: 60_000 },
      { readiness: (id, role) => (role === "canary" && id === "canary-2" ? "unready" : "ready") },
    );
    expect(world.state.message).toBe("rolling: new version 1 of 4 available (unready: canary-2); old version 3 available");
    world.tick(59_000);
    expect(world.phase).toBe("Progressing");
    world.tick(1000);
    const reason = "progress deadline 1m exceeded: rolling: new version 1 of 4 available (unready: canary-2); old version 3 available";
    expect(world.finished()).toEqual({ type: "finished", result: "degraded", reason });
    // Back to the stable version: its replicas restored, all traffic on it, then the new instances stop.
    expect(world.count("stable")).toBe(4);
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    world.tick(30_000);
    expect(world.count("canary")).toBe(0);
  });

  it("a failing background analysis rolls the batches back", () => {
    const analysis: RollingInput["analysis"] = { metrics: [{ name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, intervalMs: 2000 }] };
    const world = rolling(
      { replicas: 4, maxSurge: 1, maxUnavailable: 0, analysis },
      { readiness: (_, __, age) => (age >= 3000 ? "ready" : "unready"), samples: { errors: (n) => routerSample(n >= 3 ? 0.2 : 0) } },
    );
    world.runUntil((w) => w.finished() !== undefined, 60_000);
    // It starts once the first new instance has traffic (3s), not before, and measures at the end of each 2 s interval.
    expect(world.actionsOf("measure").map((m) => m.at)).toEqual([5000, 7000, 9000]);
    expect(world.finished()?.reason).toBe('background analysis "errors": error rate 0.2 > max 0.01 with 3 of 4 new instances available');
    world.runUntil((w) => w.state.settled, 60_000);
    expect([world.count("stable"), world.count("canary")]).toEqual([4, 0]);
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });
});
