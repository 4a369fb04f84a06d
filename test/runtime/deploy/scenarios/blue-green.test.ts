/** Blue-green switches through the real loop: docker instances of pipec-test/node-app:1 behind the builtin router. */
import { describe, expect, it } from "vitest";
import { dockerGate } from "../../../setup/require-docker.ts";
import { get } from "../target/helpers.ts";
import { useScenarioSuite } from "./suite.ts";
import { appTarget, type Spec, common, errorRateAnalysis, explain, runScenario } from "./scenario.ts";

const docker = await dockerGate("deploy scenarios: blue-green");

describe.runIf(docker.run)("blue-green deployments", () => {
  const suite = useScenarioSuite(docker);

  it("switches to a healthy green after its pre-promotion check (preview served on its own address), losing no request", async () => {
    const name = suite.name("bg");
    const spec: Spec<"blueGreen"> = {
      strategy: "blueGreen",
      ...common(name),
      router: { listen: "127.0.0.1:0", previewListen: "127.0.0.1:0" },
      // A deterministic command metric: it asks the preview router for the green version.
      prePromotionAnalysis: {
        metrics: [{ name: "preview-answers", provider: { kind: "command", run: ["node", "-e", "fetch('http://'+process.env.DEPLOY_PREVIEW_LISTEN+'/').then(r=>r.text()).then(t=>process.exit(t.trim()==='v2'?0:1),()=>process.exit(2))"] } }],
      },
    };
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2") });
    const preview = result.second.handle.previewRouter;
    expect(preview).not.toBeNull();
    expect(await get(Number(preview!.listen.split(":")[1]))).toEqual({ status: 200, body: "v2\n" });
    await result.second.stop();
    expect(result.outcome, explain(result)).toEqual({ outcome: "success" });
    expect(result.load.failures, explain(result)).toEqual({});
    expect(result.violations, explain(result)).toEqual([]);
    expect(result.second.lines.join("\n")).toMatch(/pre-promotion-\d+ "preview-answers": command exited with code 0 \(successful\)/);
    // One atomic switch: blue 100 → green 100.
    expect(result.weights.map((w) => [w.stable, w.canary])).toEqual([
      [100, 0],
      [0, 100],
    ]);
    expect(result.load.timeline.at(-1)?.version).toBe("v2");
  });

  it("switches back to blue when the post-promotion analysis fails (ERROR_RATE=0.5): no request lost beyond the injected errors", async () => {
    const name = suite.name("bg-post");
    const spec: Spec<"blueGreen"> = { strategy: "blueGreen", ...common(name), postPromotionAnalysis: errorRateAnalysis() };
    const result = await runScenario(suite.project, { ...spec, target: appTarget("v1") }, { ...spec, target: appTarget("v2", { ERROR_RATE: "0.5" }) });
    await result.second.stop();
    expect(result.outcome.outcome, explain(result)).toBe("failed");
    expect(result.outcome.outcome === "failed" && result.outcome.message).toMatch(/post-promotion analysis "errors": error rate 0\.\d+ > max 0\.01/);
    // Only the injected 500s of green; never a connection error, a 502 or a 503.
    expect(Object.keys(result.load.failures).filter((kind) => kind !== "500 v2"), explain(result)).toEqual([]);
    expect(result.load.failures["500 v2"]).toBeGreaterThan(0);
    expect(result.violations, explain(result)).toEqual([]);
    expect(result.weights.map((w) => [w.stable, w.canary])).toEqual([
      [100, 0],
      [0, 100],
      [100, 0],
    ]);
    const back = result.weights.at(-1)!.at;
    expect(result.load.timeline.filter((r) => r.at > back + 200).every((r) => r.version === "v1")).toBe(true);
  });
});
