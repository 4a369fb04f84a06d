/** Canary rollouts through the real loop: docker instances of pipec-test/node-app:1 behind the builtin router. */
import { describe, expect, it } from "vitest";
import { dockerGate } from "../../../setup/require-docker.ts";
import { useScenarioSuite } from "./suite.ts";
import { appTarget, type Spec, common, errorRateAnalysis, explain, runScenario } from "./scenario.ts";

const docker = await dockerGate("deploy scenarios: canary");

describe.runIf(docker.run)("canary deployments", () => {
  const suite = useScenarioSuite(docker);

  it("promotes a healthy canary step by step after its analysis passes, losing no request", async () => {
    const name = suite.name("canary");
    const spec: Spec<"canary"> = {
      strategy: "canary",
      ...common(name),
      steps: [{ kind: "setWeight", weight: 25 }, { kind: "analysis", analysis: errorRateAnalysis(1) }, { kind: "setWeight", weight: 75 }, { kind: "pause", durationMs: 500 }],
    };
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2") });
    await result.second.stop();
    expect(result.outcome, explain(result)).toEqual({ outcome: "success" });
    expect(result.load.failures, explain(result)).toEqual({});
    expect(result.violations, explain(result)).toEqual([]);
    expect(result.weights.map((w) => [w.stable, w.canary])).toEqual([
      [100, 0],
      [75, 25],
      [25, 75],
      [0, 100],
    ]);
    expect(result.second.lines.join("\n")).toMatch(/"errors": error rate .*\(successful\)/);
  });

  it("rolls back a canary with ERROR_RATE=0.5 at its first analysis: 100% stable within two intervals, the measured value in the job's message", async () => {
    const name = suite.name("canary-bad");
    const spec: Spec<"canary"> = { strategy: "canary", ...common(name), steps: [{ kind: "setWeight", weight: 50 }, { kind: "analysis", analysis: errorRateAnalysis() }, { kind: "setWeight", weight: 100 }] };
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2", { ERROR_RATE: "0.5" }) });
    await result.second.stop();
    expect(result.outcome.outcome, explain(result)).toBe("failed");
    const message = result.outcome.outcome === "failed" ? result.outcome.message : "";
    expect(message).toMatch(/analysis "errors": error rate 0\.\d+ > max 0\.01 .*at weight 50%/);
    expect(message).toMatch(/traffic is back on the stable revision/);
    expect(result.weights.map((w) => [w.stable, w.canary]), explain(result)).toEqual([
      [100, 0],
      [50, 50],
      [100, 0],
    ]);
    const shifted = result.weights[1]!.at;
    const back = result.weights[2]!.at;
    expect(back - shifted, explain(result)).toBeLessThanOrEqual(2 * 1_000 + 300);
    expect(Object.keys(result.load.failures).filter((kind) => kind !== "500 v2"), explain(result)).toEqual([]);
    expect(result.violations, explain(result)).toEqual([]);
    expect(result.load.timeline.filter((r) => r.at > back + 200).every((r) => r.version === "v1")).toBe(true);
  });
});
