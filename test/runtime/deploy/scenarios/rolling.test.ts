/** Rolling updates through the real loop: docker instances of pipec-test/node-app:1 behind the builtin router. */
import { describe, expect, it } from "vitest";
import { dockerGate } from "../../../setup/require-docker.ts";
import { useScenarioSuite } from "./suite.ts";
import { appTarget, type Spec, common, explain, runScenario } from "./scenario.ts";

const docker = await dockerGate("deploy scenarios: rolling");

describe.runIf(docker.run)("rolling deployments", () => {
  const suite = useScenarioSuite(docker);

  it("rolls a healthy version in batches within maxSurge and maxUnavailable, losing no request", async () => {
    const name = suite.name("roll");
    const spec: Spec<"rolling"> = { strategy: "rolling", ...common(name), replicas: 3, maxSurge: 1, maxUnavailable: 0 };
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2") }, { rolling: { replicas: 3, maxSurge: 1, maxUnavailable: 0 } });
    await result.second.stop();
    expect(result.outcome, explain(result)).toEqual({ outcome: "success" });
    expect(result.load.failures, explain(result)).toEqual({});
    expect(result.violations, explain(result)).toEqual([]);
    expect(result.load.versions.v1).toBeGreaterThan(0);
    expect(result.load.versions.v2).toBeGreaterThan(0);
    expect(result.load.timeline.at(-1)?.version).toBe("v2");
    expect(result.weights.at(-1)).toMatchObject({ stable: 0, canary: 100 });
  });

  it("aborts at the progress deadline when a new instance never becomes ready (READY=false), serving the old version throughout", async () => {
    const name = suite.name("stuck");
    const spec: Spec<"rolling"> = { strategy: "rolling", ...common(name), replicas: 2, maxSurge: 1, maxUnavailable: 0, progressDeadlineMs: 5_000 };
    const started = Date.now();
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2", { READY: "false" }) }, { rolling: { replicas: 2, maxSurge: 1, maxUnavailable: 0 }, tailMs: 500 });
    const snapshot = result.second.handle.snapshot();
    await result.second.stop();
    expect(result.outcome.outcome, explain(result)).toBe("failed");
    expect(result.outcome.outcome === "failed" && result.outcome.message, explain(result)).toMatch(/progress deadline 5s exceeded/);
    expect(result.load.failures, explain(result)).toEqual({});
    expect(Object.keys(result.load.versions)).toEqual(["v1"]); // no request ever reached the unready version
    expect(result.violations, explain(result)).toEqual([]);
    expect(snapshot.members.filter((m) => m.role === "stable" && m.routed)).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
