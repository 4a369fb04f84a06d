import { describe, expect, it } from "vitest";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { World, base, routerSample } from "./harness.ts";

const errors = { name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, intervalMs: 30_000, count: 2 } as const;
const analysis = { metrics: [errors] };

const deployments: [string, DeploymentInput][] = [
  [
    "canary",
    {
      ...base,
      strategy: "canary",
      replicas: 3,
      analysis,
      steps: [{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis }, { kind: "approval", name: "release" }, { kind: "pause" }],
    },
  ],
  ["blueGreen", { ...base, strategy: "blueGreen", replicas: 3, previewReplicas: 1, autoPromote: false, prePromotionAnalysis: analysis, postPromotionAnalysis: analysis }],
  ["rolling", { ...base, strategy: "rolling", replicas: 3, maxSurge: 1, maxUnavailable: 0, analysis }],
];

describe("first deploy (no stable version yet)", () => {
  it.each(deployments)("%s: every replica at once, all traffic once ready; no steps, pauses, approvals or analysis", (_, input) => {
    const world = new World(input, { hasStable: false, samples: { errors: routerSample(0.5) } });
    expect(world.phase).toBe("Healthy");
    expect(world.actionsOf("start-instances")).toEqual([{ type: "start-instances", version: "canary", count: 3 }]);
    expect(world.actionsOf("set-weights")).toEqual([{ type: "set-weights", weights: { stable: 0, canary: 100 } }]);
    expect(world.actionsOf("measure")).toEqual([]);
    expect(world.actionsOf("await-approval")).toEqual([]);
    expect(world.actionsOf("stop-instances")).toEqual([]);
    expect(world.finished()).toEqual({ type: "finished", result: "healthy", reason: null });
    expect(world.state.settled).toBe(true);
  });

  it.each(deployments)("%s: instances that never get ready fail at the progress deadline and are removed", (_, input) => {
    const world = new World({ ...input, progressDeadlineMs: 60_000 }, { hasStable: false, readiness: () => "unready" });
    world.tick(60_000);
    expect(world.finished()).toEqual({
      type: "finished",
      result: "degraded",
      reason: "progress deadline 1m exceeded: starting the new version: 0 of 3 available (unready: canary-1, canary-2, canary-3) on the first deploy",
    });
    expect(world.actionsOf("set-weights")).toEqual([]);
    world.tick(30_000);
    expect(world.count("canary")).toBe(0);
    expect(world.state.settled).toBe(true);
  });
});
