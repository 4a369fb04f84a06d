import { describe, expect, it } from "vitest";
import type { MetricSample } from "../../../../runtime/deploy/analysis/index.ts";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { World, base, type WorldOptions } from "./harness.ts";

type BlueGreenInput = Extract<DeploymentInput, { strategy: "blueGreen" }>;

const smoke = { name: "smoke", provider: { kind: "http", url: "http://127.0.0.1:8081/health" }, successCondition: "result.ok == true" } as const;
const latency = { name: "p99", provider: { kind: "builtin", metric: "latencyP99" }, threshold: { max: 500 }, intervalMs: 10_000, count: 3 } as const;
const ok: MetricSample = { kind: "value", value: { ok: true } };
const p99 = (ms: number): MetricSample => ({
  kind: "router",
  metrics: { requests: 100, errors: 0, errorRate: 0, successRate: 1, latencyAvgMs: ms, latencyP50Ms: ms, latencyP95Ms: ms, latencyP99Ms: ms },
});

function blueGreen(extra: Partial<BlueGreenInput> = {}, options: WorldOptions = {}): World {
  return new World(
    { ...base, strategy: "blueGreen", replicas: 3, previewReplicas: 1, prePromotionAnalysis: { metrics: [smoke] }, postPromotionAnalysis: { metrics: [latency] }, ...extra },
    { samples: { smoke: ok, p99: p99(120) }, ...options },
  );
}

describe("blue-green", () => {
  it("preview, pre-promotion analysis, full scale, atomic switch, post-promotion analysis, old version warm then stopped", () => {
    const world = blueGreen({}, { readiness: (_, role, age) => (role === "canary" && age < 2000 ? "unready" : "ready") });
    // Preview: one green instance, no traffic.
    expect(world.actionsOf("start-instances")).toEqual([{ type: "start-instances", version: "canary", count: 1 }]);
    expect(world.state.message).toBe("starting the new version: 0 of 1 available (unready: canary-1)");
    world.tick(2000);
    // Pre-promotion analysis passed on the preview; then the green side scales to full before the switch.
    expect(world.state.analyses["pre-promotion-1"]?.phase).toBe("Successful");
    expect(world.actionsOf("start-instances").at(-1)).toEqual({ type: "start-instances", version: "canary", count: 2 });
    expect(world.phase).toBe("Promoting");
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    world.tick(2000);
    // The switch is one weight change, 0 → 100, confirmed; post-promotion analysis runs on green.
    expect(world.actionsOf("set-weights").map((a) => a.weights)).toEqual([
      { stable: 100, canary: 0 },
      { stable: 0, canary: 100 },
    ]);
    expect(world.state.message).toBe("post-promotion analysis running (post-promotion-2)");
    world.runUntil((w) => w.state.phase === "Healthy");
    // Three 10 s windows of traffic after the switch (at 4 s), each measured at its end.
    expect(world.actionsOf("measure").filter((m) => m.metric.name === "p99").map((m) => [m.at, m.since])).toEqual([
      [14_000, 4_000],
      [24_000, 14_000],
      [34_000, 24_000],
    ]);
    expect(world.now).toBe(34_000);
    expect(world.finished()).toEqual({ type: "finished", result: "healthy", reason: null });
    // Blue stays up for scaleDownDelay (30s), then stops.
    world.tick(29_000);
    expect(world.count("stable")).toBe(3);
    world.tick(1000);
    expect(world.count("stable")).toBe(0);
    expect(world.count("canary")).toBe(3);
    expect(world.state.settled).toBe(true);
  });

  it("a failing pre-promotion analysis keeps blue active and never touches the weights", () => {
    const world = blueGreen({}, { samples: { smoke: { kind: "value", value: { ok: false } } } });
    expect(world.finished()).toEqual({
      type: "finished",
      result: "degraded",
      reason: 'pre-promotion analysis "smoke": result {"ok":false} does not meet successCondition "result.ok == true" before the switch',
    });
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0]);
    expect(world.actionsOf("start-instances")).toHaveLength(1);
    world.tick(30_000);
    expect(world.count("canary")).toBe(0);
    expect(world.count("stable")).toBe(3);
  });

  it("a failing post-promotion analysis switches back to blue, which was kept warm", () => {
    const world = blueGreen({}, { samples: { smoke: ok, p99: (n) => p99(n >= 2 ? 900 : 120) } });
    expect(world.router).toEqual({ stable: 0, canary: 100 });
    world.tick(10_000);
    expect(world.finished()).toBeUndefined();
    world.tick(10_000);
    const reason = 'post-promotion analysis "p99": p99 latency 900ms > max 500ms after the switch';
    expect(world.finished()).toEqual({ type: "finished", result: "degraded", reason });
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0, 100, 0]);
    expect(world.count("stable")).toBe(3);
    world.tick(30_000);
    expect(world.count("canary")).toBe(0);
    expect(world.count("stable")).toBe(3);
  });

  it("an inconclusive post-promotion analysis (no traffic after the switch) switches back to blue at the progress deadline", () => {
    const idle: MetricSample = { kind: "router", metrics: { requests: 2, errors: 0, errorRate: 0, successRate: 1, latencyAvgMs: 5, latencyP50Ms: 5, latencyP95Ms: 5, latencyP99Ms: 5 } };
    const world = blueGreen({ progressDeadlineMs: 60_000 }, { samples: { smoke: ok, p99: idle } });
    expect(world.router).toEqual({ stable: 0, canary: 100 });
    world.tick(30_000);
    expect(world.phase).toBe("Promoting");
    expect(world.state.message).toBe('post-promotion analysis "p99" waiting for traffic: no data: 2 requests in 30s < minRequests 20 after the switch');
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(60_000);
    expect(world.finished()?.reason).toBe(
      'progress deadline 1m exceeded: post-promotion analysis "p99" inconclusive: no data: 2 requests in 50s < minRequests 20 by the progress deadline (1m) after the switch',
    );
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0, 100, 0]);
    expect(world.count("stable")).toBe(3);
  });

  it("an inconclusive post-promotion analysis pauses on green, and the deadline still switches back", () => {
    const undecided = { ...latency, threshold: null, successCondition: "result < 200", failureCondition: "result > 800", count: 1 };
    const world = blueGreen({ postPromotionAnalysis: { metrics: [undecided] }, progressDeadlineMs: 120_000 }, { samples: { smoke: ok, p99: p99(500) } });
    world.tick(10_000);
    expect(world.phase).toBe("Paused(inconclusive)");
    expect(world.router).toEqual({ stable: 0, canary: 100 });
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(120_000);
    expect(world.finished()?.reason).toMatch(/^progress deadline 2m exceeded: post-promotion analysis "p99" inconclusive: p99 latency 500ms meets neither .* after the switch$/);
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });

  it("green turning unready during the post-promotion analysis switches back to blue at once", () => {
    // Each green instance passes its health check for 4 s (long enough to be switched to), then fails it.
    const world = blueGreen({}, { readiness: (_, role, age) => (role === "canary" && age >= 4000 ? "unready" : "ready") });
    expect(world.router).toEqual({ stable: 0, canary: 100 });
    world.runUntil((w) => w.finished() !== undefined, 120_000);
    expect(world.finished()?.reason).toMatch(/^the new version has no ready instance \(unready: [\w-, ]+\) after the switch: its share of the traffic would fail$/);
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });

  it.each([
    ["autoPromote: false waits for promote", { autoPromote: false }, null],
    ["autoPromoteAfterMs promotes on its own", { autoPromoteAfterMs: 60_000 }, 60_000],
  ] as const)("%s", (_, extra, at) => {
    const world = blueGreen({ ...extra, postPromotionAnalysis: null });
    expect(world.phase).toBe("Paused(step)");
    expect(world.router.canary).toBe(0);
    expect(world.wakeAt).toBe(at);
    world.tick(59_000);
    expect(world.phase).toBe("Paused(step)");
    world.tick(1000);
    if (at === null) {
      expect(world.phase).toBe("Paused(step)");
      world.send({ type: "promote" });
    }
    expect(world.phase).toBe("Healthy");
    expect(world.router).toEqual({ stable: 0, canary: 100 });
  });
});
