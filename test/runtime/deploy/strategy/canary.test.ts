import { describe, expect, it } from "vitest";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { World, base, routerSample, type WorldOptions } from "./harness.ts";

type CanaryInput = Extract<DeploymentInput, { strategy: "canary" }>;
type StepInput = NonNullable<CanaryInput["steps"]>[number];

const errors = { name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, intervalMs: 30_000, count: 2 } as const;
/** Judges 0.01..0.1 inconclusive: neither condition matches. */
const bgUndecided = { ...errors, threshold: null, count: null, intervalMs: 60_000, successCondition: "result < 0.01", failureCondition: "result > 0.1" } as const;
const analysisStep: StepInput = { kind: "analysis", analysis: { metrics: [errors] } };

function canary(steps: StepInput[], extra: Partial<CanaryInput> = {}, options: WorldOptions = {}): World {
  return new World({ ...base, strategy: "canary", replicas: 2, steps, ...extra }, { samples: { errors: routerSample(0.001) }, ...options });
}

/** Phase, plan step and confirmed canary weight, recorded whenever one changes. */
function timeline(world: World, untilMs: number): string[] {
  const lines: string[] = [];
  const line = () => `${world.now / 1000}s ${world.phase} step=${world.state.stepIndex} canary=${world.weights?.canary}%`;
  lines.push(line());
  while (world.now < untilMs && !world.state.settled) {
    world.tick(1000);
    const next = line();
    if (next.slice(next.indexOf(" ")) !== lines[lines.length - 1]?.slice(lines[lines.length - 1]!.indexOf(" "))) lines.push(next);
  }
  return lines;
}

describe("canary", () => {
  it("happy path, step by step: each weight confirmed, then promotion and a warm old version", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause", durationMs: 60_000 }, analysisStep, { kind: "setWeight", weight: 50 }, { kind: "pause", durationMs: 10_000 }]);
    expect(world.actionsOf("start-instances")).toEqual([{ type: "start-instances", version: "canary", count: 1 }]);
    expect(timeline(world, 200_000)).toEqual([
      "0s Paused(step) step=1 canary=10%",
      "60s Progressing step=2 canary=10%",
      "120s Paused(step) step=4 canary=50%",
      "130s Healthy step=null canary=100%",
    ]);
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0, 10, 50, 100]);
    // Each measurement comes at the end of its interval and covers the traffic since the previous one.
    expect(world.actionsOf("measure").map((m) => [m.analysisId, m.metric.name, m.version, m.at, m.since, m.windowMs])).toEqual([
      ["analysis-1", "errors", "canary", 90_000, 60_000, 30_000],
      ["analysis-1", "errors", "canary", 120_000, 90_000, 30_000],
    ]);
    expect(world.finished()).toEqual({ type: "finished", result: "healthy", reason: null });
    // The old version stays warm for scaleDownDelay (30s) after promotion, then stops; then nothing is left to do.
    const stop = world.actions.find((a) => a.action.type === "stop-instances");
    expect(stop).toEqual({ at: 160_000, action: { type: "stop-instances", version: "stable", ids: "all", reason: "replaced by the new version (scaleDownDelay over)" } });
    expect(world.count("canary")).toBe(2);
    expect(world.state.settled).toBe(true);
  });

  it("a weight the router does not confirm holds the step, is sent again, and counts once confirmed", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause", durationMs: null }], {}, { router: "ignore" });
    for (let i = 0; i < 12; i++) {
      world.tick(1000);
      expect(world.state).toMatchObject({ phase: "Progressing", stepIndex: 0 });
    }
    expect(world.state.message).toBe("waiting for the router to apply stable 90% / canary 10%");
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0, 10, 10, 10]);
    world.routerMode = "apply";
    world.runUntil((w) => w.state.stepIndex === 1, 10_000);
    expect(world.phase).toBe("Paused(step)");
    expect(world.weights).toEqual({ stable: 90, canary: 10 });
  });

  it("a router that never confirms aborts at the progress deadline", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }], { progressDeadlineMs: 60_000 }, { router: "ignore" });
    world.runUntil((w) => w.finished() !== undefined, 120_000);
    expect(world.now).toBe(60_000);
    // The router never left stable 100%, which it reads back: the rollback is confirmed at once.
    expect(world.finished()?.reason).toBe("progress deadline 1m exceeded: waiting for the router to apply stable 90% / canary 10% at weight 0%");
  });

  it("a rollback the router never confirms still ends, after the progress deadline, and says so", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause" }], { progressDeadlineMs: 60_000 });
    world.routerMode = "ignore";
    world.send({ type: "abort" });
    expect(world.finished()).toBeUndefined();
    expect(world.phase).toBe("Degraded");
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(60_000);
    expect(world.finished()?.reason).toBe("aborted: by request at weight 10% (traffic back on the stable version not confirmed)");
    expect(world.actionsOf("set-weights").filter((a) => a.weights.canary === 0)).toHaveLength(1 + 1 + 12);
  });

  it("ERROR_RATE 0.5 at the first analysis: measured at the end of its interval, abort with the measured value, traffic back to stable, canary stopped after abortScaleDownDelay", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, analysisStep, { kind: "setWeight", weight: 50 }], {}, { samples: { errors: routerSample(0.5) } });
    // Never a measurement at the moment of the weight change: the first one covers the interval after it.
    expect(world.actionsOf("measure")).toEqual([]);
    expect(world.state.message).toBe("analysis running (analysis-1)");
    world.tick(29_000);
    expect(world.finished()).toBeUndefined();
    world.tick(1000);
    const reason = 'analysis "errors": error rate 0.5 > max 0.01 at weight 10%';
    expect(world.actionsOf("measure").map((m) => [m.at, m.since])).toEqual([[30_000, 0]]);
    expect(world.finished()).toEqual({ type: "finished", result: "degraded", reason });
    expect(world.state).toMatchObject({ phase: "Degraded", message: reason });
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    expect(world.actionsOf("set-weights").map((a) => a.weights.canary)).toEqual([0, 10, 0]);
    world.tick(29_000);
    expect(world.count("canary")).toBe(1);
    world.tick(1000);
    expect(world.count("canary")).toBe(0);
    expect(world.count("stable")).toBe(2);
    expect(world.state.settled).toBe(true);
  });

  it("defaults (no interval, nothing tuned): one measurement 10 s after the weight change, over those 10 s", () => {
    const plain = { name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 } } as const;
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis: { metrics: [plain] } }], {}, { samples: { errors: routerSample(0.5) } });
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.actionsOf("measure").map((m) => [m.at, m.since, m.windowMs])).toEqual([[10_000, 0, 10_000]]);
    expect(world.finished()?.reason).toBe('analysis "errors": error rate 0.5 > max 0.01 at weight 10%');
  });

  it("a window with fewer than minRequests is not judged: it stays open and is measured again an interval later", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, analysisStep, { kind: "setWeight", weight: 50 }], {}, { samples: { errors: (n) => (n === 1 ? routerSample(0, 3) : routerSample(0.5, 200)) } });
    world.tick(30_000);
    expect(world.phase).toBe("Progressing");
    expect(world.state.message).toBe('analysis "errors" waiting for traffic: no data: 3 requests in 30s < minRequests 20 at weight 10%');
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(60_000);
    // The second measurement covers the whole window since the weight change, the first 30 s included.
    expect(world.actionsOf("measure").map((m) => [m.at, m.since, m.windowMs])).toEqual([
      [30_000, 0, 30_000],
      [60_000, 0, 60_000],
    ]);
    expect(world.finished()?.reason).toBe('analysis "errors": error rate 0.5 > max 0.01 at weight 10%');
  });

  it.each([
    ["inconclusive", "pause", 'progress deadline 2m exceeded: analysis "errors" inconclusive: no data: 3 requests in 1m30s < minRequests 20 by the progress deadline (2m) at weight 10%'],
    ["inconclusive", "abort", 'analysis "errors" inconclusive: no data: 3 requests in 1m30s < minRequests 20 by the progress deadline (2m) at weight 10%'],
    ["fail", "pause", 'analysis "errors": no data: 3 requests in 1m30s < minRequests 20 (noData: fail) by the progress deadline (2m) at weight 10%'],
  ] as const)("no traffic at all: measured on until the progress deadline, then noData %s (onInconclusive %s) rolls back", (noData, onInconclusive, reason) => {
    const metric = { ...errors, noData };
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis: { metrics: [metric] } }, { kind: "setWeight", weight: 50 }], { onInconclusive, progressDeadlineMs: 120_000 }, { samples: { errors: routerSample(0, 3) } });
    world.runUntil((w) => w.now >= 119_000);
    expect(world.phase).toBe("Progressing");
    expect(world.finished()).toBeUndefined();
    world.tick(1000);
    expect(world.finished()).toEqual({ type: "finished", result: "degraded", reason });
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    expect(world.actionsOf("log").map((l) => l.message)).toContain('analysis-1 "errors": no data: 3 requests in 30s < minRequests 20: not judged yet; measuring the same window again in 30s (until the progress deadline, then noData: ' + noData + ")");
  });

  it("no traffic with noData: pass: passes at the progress deadline, saying so, and moves on", () => {
    const metric = { ...errors, count: 1, noData: "pass" } as const;
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis: { metrics: [metric] } }, { kind: "setWeight", weight: 50 }, { kind: "pause" }], { progressDeadlineMs: 120_000 }, { samples: { errors: routerSample(0, 0) } });
    world.runUntil((w) => w.phase === "Paused(step)", 600_000);
    expect(world.now).toBe(120_000);
    expect(world.weights?.canary).toBe(50);
    expect(world.actionsOf("log").map((l) => l.message)).toContain('analysis-1 "errors": no data: 0 requests in 1m30s < minRequests 20 (noData: pass) by the progress deadline (2m) (successful)');
  });

  it("an approval waits (other gates are ignored), then approve continues", () => {
    const world = canary([{ kind: "setWeight", weight: 50 }, { kind: "approval", name: "release" }]);
    expect(world.actionsOf("await-approval")).toEqual([{ type: "await-approval", gate: "release", timeoutAt: null }]);
    world.tick(86_400_000);
    world.send({ type: "approval", gate: "other" });
    expect(world.phase).toBe("Paused(approval)");
    expect(world.actionsOf("log").at(-1)?.message).toBe('approval "other" ignored: no such gate is waiting; the deployment waits at approval "release"');
    world.send({ type: "approval", gate: "release" });
    expect(world.actionsOf("approval-closed")).toEqual([{ type: "approval-closed", gate: "release", outcome: "approved" }]);
    expect(world.phase).toBe("Healthy");
  });

  it.each([
    ["abort", "degraded", 'approval "release" timed out after 1h at weight 50%'],
    ["promote", "healthy", null],
  ] as const)("an approval that times out with onTimeout: %s", (onTimeout, result, reason) => {
    const world = canary([{ kind: "setWeight", weight: 50 }, { kind: "approval", name: "release", timeoutMs: 3_600_000, onTimeout }]);
    expect(world.wakeAt).toBe(3_600_000);
    world.tick(3_599_000);
    expect(world.phase).toBe("Paused(approval)");
    world.tick(1000);
    expect(world.finished()).toEqual({ type: "finished", result, reason });
    expect(world.actionsOf("approval-closed")[0]?.outcome).toBe("timed-out");
  });

  it("a timed pause ends on time; promote ends it early", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause", durationMs: 120_000 }, { kind: "pause", durationMs: 120_000 }]);
    expect(world.wakeAt).toBe(120_000);
    world.tick(119_000);
    expect(world.state.stepIndex).toBe(1);
    world.tick(1000);
    expect(world.state).toMatchObject({ phase: "Paused", stepIndex: 2 });
    world.send({ type: "promote" });
    expect(world.phase).toBe("Healthy");
  });

  it("a pause without duration waits for promote", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause" }]);
    expect(world.wakeAt).toBeNull();
    world.tick(7 * 86_400_000);
    expect(world.state).toMatchObject({ phase: "Paused", pausedReason: "step", message: "paused until promote" });
    world.send({ type: "promote" });
    expect(world.phase).toBe("Healthy");
  });

  it.each([
    [true, "Degraded", "progress deadline 1m exceeded: starting the new version: 0 of 1 available (unready: canary-1) at weight 0%"],
    [false, "Progressing", null],
  ] as const)("an instance that never gets ready, abortOnProgressDeadline %s", (abortOnProgressDeadline, phase, reason) => {
    const world = canary([{ kind: "setWeight", weight: 10 }], { progressDeadlineMs: 60_000, abortOnProgressDeadline }, { readiness: () => "unready" });
    world.tick(59_000);
    expect(world.phase).toBe("Progressing");
    world.tick(1000);
    expect(world.phase).toBe(phase);
    expect(world.finished()?.reason ?? null).toBe(reason);
    if (abortOnProgressDeadline) {
      world.tick(30_000);
      expect(world.count("canary")).toBe(0);
    } else {
      expect(world.actionsOf("log").at(-1)).toMatchObject({ level: "warn", message: expect.stringContaining("still waiting (abortOnProgressDeadline: false)") });
    }
  });

  it("a pause does not run the progress deadline", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause" }], { progressDeadlineMs: 60_000 });
    world.tick(600_000);
    expect(world.phase).toBe("Paused(step)");
  });

  it("a failed instance of the new version aborts at once", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause" }], {}, { readiness: (_, __, age) => (age < 5000 ? "ready" : { failed: "exited with code 137" }) });
    world.tick(5000);
    expect(world.finished()?.reason).toBe("instance canary-1 of the new version failed: exited with code 137 at weight 10%");
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });

  it("a new version whose every instance turns unready while it takes traffic aborts at once, not at the deadline", () => {
    // canary-1 passes its health check for 5 s (the weight is set and confirmed), then fails it.
    const world = canary([{ kind: "setWeight", weight: 50 }, { kind: "pause" }], { progressDeadlineMs: 600_000 }, { readiness: (_, role, age) => (role === "canary" && age >= 5000 ? "unready" : "ready") });
    world.tick(4000);
    expect(world.phase).toBe("Paused(step)");
    expect(world.router).toEqual({ stable: 50, canary: 50 });
    world.tick(1000);
    world.tick(1000);
    expect(world.finished()?.reason).toBe("the new version has no ready instance (unready: canary-1) at weight 50%: its share of the traffic would fail");
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });

  it("an unready instance among ready ones does not abort (the router sends its share to the ready ones)", () => {
    const world = canary([{ kind: "setWeight", weight: 50 }, { kind: "pause" }], { replicas: 4 }, { readiness: (id, role, age) => (role === "canary" && id === "canary-1" && age >= 5000 ? "unready" : "ready") });
    world.tick(10_000);
    expect(world.finished()?.reason).toBeUndefined();
    expect(world.phase).toBe("Paused(step)");
  });

  it("abort from another terminal rolls back from wherever the rollout is", () => {
    const world = canary([{ kind: "setWeight", weight: 25 }, { kind: "pause" }]);
    world.send({ type: "abort", reason: "pipec abort by alice" });
    expect(world.finished()?.reason).toBe("aborted: pipec abort by alice at weight 25%");
    expect(world.router).toEqual({ stable: 100, canary: 0 });
    world.send({ type: "promote" });
    expect(world.phase).toBe("Degraded");
  });

  it("promote --full skips every remaining pause, approval and analysis", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "pause" }, analysisStep, { kind: "approval", name: "release" }], { analysis: { metrics: [{ ...errors, count: null }] } });
    world.send({ type: "promote", full: true });
    expect(world.phase).toBe("Healthy");
    expect(world.actionsOf("await-approval")).toEqual([]);
    expect(Object.values(world.state.analyses).map((r) => [r.id, r.phase, r.terminatedBy])).toEqual([["background-1", "Successful", "promote --full"]]);
  });

  it("promote during an analysis skips it; promote while starting instances is ignored", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { ...analysisStep }, { kind: "pause" }], {}, { readiness: (id, _, age) => (id === "canary-1" && age < 3000 ? "unready" : "ready") });
    world.send({ type: "promote" });
    expect(world.actionsOf("log").at(-1)?.message).toMatch(/^promote ignored: nothing is paused \(starting the new version/);
    world.tick(3000);
    expect(world.state.message).toBe("analysis running (analysis-1)");
    world.send({ type: "promote" });
    expect(world.phase).toBe("Paused(step)");
    expect(world.state.analyses["analysis-1"]?.terminatedBy).toBe("skipped by promote");
  });

  it("a failing background analysis aborts between steps", () => {
    const background = { ...errors, name: "bg", count: null, intervalMs: 60_000, failureLimit: 1 };
    const world = canary([{ kind: "setWeight", weight: 20 }, { kind: "pause" }], { analysis: { metrics: [background] } }, { samples: { bg: (n) => routerSample(n >= 2 ? 0.3 : 0) } });
    world.runUntil((w) => w.now >= 179_000);
    expect(world.phase).toBe("Paused(step)");
    world.tick(1000);
    expect(world.actionsOf("measure").map((m) => m.at)).toEqual([60_000, 120_000, 180_000]);
    expect(world.finished()?.reason).toBe('background analysis "bg": error rate 0.3 > max 0.01 (2 of 3 measurements failed > failureLimit 1) at weight 20%');
  });

  it("an inconclusive background analysis holds the rollout until promote, which restarts it", () => {
    const background = { ...bgUndecided, name: "bg" };
    const world = canary([{ kind: "setWeight", weight: 20 }, { kind: "pause", durationMs: 300_000 }], { analysis: { metrics: [background] } }, { samples: { bg: (n) => routerSample(n === 2 ? 0.05 : 0) } });
    world.runUntil((w) => w.now >= 120_000);
    expect(world.phase).toBe("Paused(inconclusive)");
    expect(world.state.message).toBe(
      'background analysis "bg" inconclusive: error rate 0.05 meets neither successCondition "result < 0.01" nor failureCondition "result > 0.1" at weight 20%; waiting for promote or abort',
    );
    world.tick(300_000);
    expect(world.phase).toBe("Paused(inconclusive)");
    world.send({ type: "promote" });
    expect(world.state.backgroundAnalysisId).toBe("background-2");
    world.runUntil((w) => w.state.phase === "Healthy");
    expect(world.state.analyses["background-2"]).toMatchObject({ phase: "Successful", terminatedBy: "promoted" });
  });

  it("the progress deadline holds during an inconclusive pause: nobody promotes, it rolls back", () => {
    const background = { ...bgUndecided, name: "bg" };
    const world = canary([{ kind: "setWeight", weight: 20 }, { kind: "pause", durationMs: 300_000 }], { analysis: { metrics: [background] } }, { samples: { bg: (n) => routerSample(n === 2 ? 0.05 : 0) } });
    world.runUntil((w) => w.finished() !== undefined);
    // Held at 120 s (the second measurement); the pause the author wrote did not arm the deadline, the hold did.
    expect(world.now).toBe(120_000 + 600_000);
    expect(world.finished()?.reason).toBe(
      'progress deadline 10m exceeded: background analysis "bg" inconclusive: error rate 0.05 meets neither successCondition "result < 0.01" nor failureCondition "result > 0.1" at weight 20%',
    );
    expect(world.router).toEqual({ stable: 100, canary: 0 });
  });

  it("a background analysis that never had enough traffic is judged by noData at promotion, not passed silently", () => {
    const background = { ...errors, name: "bg", count: null, intervalMs: 10_000, noData: "fail" } as const;
    const world = canary([{ kind: "setWeight", weight: 20 }, { kind: "pause", durationMs: 60_000 }], { analysis: { metrics: [background] } }, { samples: { bg: routerSample(0, 2) } });
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(60_000);
    expect(world.finished()?.reason).toBe('background analysis "bg": no data: 2 requests in 1m < minRequests 20 (noData: fail) at promotion at weight 100%');
  });

  it("the state is plain data: a loop may persist it between any two transitions", () => {
    const steps: StepInput[] = [{ kind: "setWeight", weight: 10 }, analysisStep, { kind: "approval", name: "release", timeoutMs: 60_000, onTimeout: "promote" }];
    const plain = canary(steps);
    const persisted = canary(steps, {}, { serialise: true });
    plain.runUntil((w) => w.state.settled);
    persisted.runUntil((w) => w.state.settled);
    expect(persisted.actions).toEqual(plain.actions);
    expect(persisted.state).toEqual(plain.state);
  });

  it("provider errors beyond consecutiveErrorLimit abort", () => {
    const world = canary([{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis: { metrics: [{ ...errors, consecutiveErrorLimit: 1 }] } }], {}, { samples: { errors: { kind: "error", message: "router unreachable" } } });
    world.runUntil((w) => w.finished() !== undefined);
    expect(world.now).toBe(60_000);
    expect(world.finished()?.reason).toBe('analysis "errors": 2 measurement errors in a row > consecutiveErrorLimit 1: router unreachable at weight 10%');
  });
});
