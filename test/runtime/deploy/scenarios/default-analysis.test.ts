/**
 * Analysis with default settings, as a new user writes it (no interval, no initialDelay, no
 * minRequests, default progress deadline), under a bounded load of more than 100 requests/s through
 * the real router, the builtin one and HAProxy: a canary with ERROR_RATE=0.5 rolls back by itself
 * within two analysis intervals; a healthy one is promoted, never rolled back for "no data".
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTER_INTERVAL_MS } from "../../../../runtime/deploy/analysis/index.ts";
import type { JobOutcome } from "../../../../runtime/executor/types.ts";
import type { AnalysisSchema, DeploymentInput } from "../../../../runtime/plan/schema.ts";
import type { z } from "zod";
import { dockerGate } from "../../../setup/require-docker.ts";
import { haproxyGate } from "../../../setup/require-haproxy.ts";
import { startLoad, startMonitor, waitFor, type Deployed, type LoadResult } from "./harness.ts";
import { appTarget } from "./scenario.ts";
import { useScenarioSuite } from "./suite.ts";

const docker = await dockerGate("deploy scenarios: default analysis settings");
const haproxy = await haproxyGate("deploy scenarios: default analysis settings through haproxy");

/** The analysis a user writes first: a metric and a threshold, nothing tuned. */
const defaultErrors: z.input<typeof AnalysisSchema> = { metrics: [{ name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 } }] };

function canarySpec(name: string, router: "builtin" | "haproxy", version: string, env: Record<string, string> = {}): DeploymentInput {
  return {
    strategy: "canary",
    name,
    target: appTarget(version, env),
    replicas: 2,
    router: { kind: router, listen: "127.0.0.1:0" },
    // Fast health checks and delays only: the analysis and the progress deadline keep their defaults.
    healthCheck: { http: { path: "/healthz" }, intervalMs: 200, timeoutMs: 500, failureThreshold: 2 },
    scaleDownDelayMs: 300,
    abortScaleDownDelayMs: 0,
    drainTimeoutMs: 5_000,
    steps: [{ kind: "setWeight", weight: 25 }, { kind: "analysis", analysis: defaultErrors }, { kind: "setWeight", weight: 100 }],
  };
}

interface Rollout {
  readonly outcome: JobOutcome;
  readonly load: LoadResult;
  readonly ratePerSecond: number;
  readonly violations: string[];
  readonly weights: readonly { readonly at: number; readonly stable: number; readonly canary: number }[];
  readonly deployed: Deployed;
  explain(): string;
}

/** Deploys `spec` over the stable revision; load and the invariant monitor run from the moment stable serves. */
async function rollOut(deployed: Deployed): Promise<Rollout> {
  await waitFor(
    () => deployed.handle.snapshot().members.filter((m) => m.role === "stable" && m.routed).length === 2 && deployed.handle.snapshot().weights?.stable === 100,
    30_000,
    () => deployed.lines.join("\n"),
  );
  const monitor = startMonitor(deployed.handle);
  const started = Date.now();
  const load = startLoad(deployed.handle.router.listen, { maxMs: 90_000 });
  const outcome = await deployed.outcome;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const result = await load.stop();
  const ratePerSecond = result.requests / ((Date.now() - started) / 1000);
  const violations = monitor.stop();
  const explain = () => `${deployed.lines.join("\n")}\nrate: ${ratePerSecond.toFixed(0)}/s failures: ${JSON.stringify(result.failures)} versions: ${JSON.stringify(result.versions)}\nviolations:\n${violations.join("\n")}`;
  return { outcome, load: result, ratePerSecond, violations, weights: monitor.weights, deployed, explain };
}

describe.runIf(docker.run && haproxy.run)("canary analysis with default settings, through the real routers", () => {
  const suite = useScenarioSuite(docker);

  it.each(["builtin", "haproxy"] as const)(
    "%s: a bad canary (ERROR_RATE=0.5) rolls back by itself within two intervals; a healthy one is promoted",
    async (router) => {
      haproxy.assertAvailable();
      const name = suite.name(`defaults-${router}`);
      const first = await suite.project.deploy(canarySpec(name, router, "v1"));
      expect(await first.outcome, first.lines.join("\n")).toEqual({ outcome: "success" });
      await first.stop();

      const bad = await rollOut(await suite.project.deploy(canarySpec(name, router, "v2", { ERROR_RATE: "0.5" })));
      await bad.deployed.stop();
      expect(bad.ratePerSecond, bad.explain()).toBeGreaterThanOrEqual(100);
      expect(bad.outcome.outcome, bad.explain()).toBe("failed");
      expect(bad.outcome.outcome === "failed" ? bad.outcome.message : "").toMatch(/analysis "errors": error rate 0\.\d+ > max 0\.01 at weight 25%/);
      expect(bad.weights.map((w) => [w.stable, w.canary]), bad.explain()).toEqual([
        [100, 0],
        [75, 25],
        [100, 0],
      ]);
      const timeToRollback = bad.weights[2]!.at - bad.weights[1]!.at;
      console.log(`[measure] ${router}: bad canary rolled back ${timeToRollback} ms after its weight change (interval ${DEFAULT_ROUTER_INTERVAL_MS} ms, ${bad.ratePerSecond.toFixed(0)} req/s)`);
      // The one measurement comes at the end of the first interval; its verdict may wait for the router's next poll.
      expect(timeToRollback, bad.explain()).toBeGreaterThanOrEqual(DEFAULT_ROUTER_INTERVAL_MS - 500);
      expect(timeToRollback, bad.explain()).toBeLessThanOrEqual(2 * DEFAULT_ROUTER_INTERVAL_MS);
      expect(Object.keys(bad.load.failures).filter((kind) => kind !== "500 v2"), bad.explain()).toEqual([]);
      expect(bad.violations, bad.explain()).toEqual([]);

      const good = await rollOut(await suite.project.deploy(canarySpec(name, router, "v3")));
      await good.deployed.stop();
      expect(good.ratePerSecond, good.explain()).toBeGreaterThanOrEqual(100);
      expect(good.outcome, good.explain()).toEqual({ outcome: "success" });
      expect(good.weights.map((w) => [w.stable, w.canary]), good.explain()).toEqual([
        [100, 0],
        [75, 25],
        [0, 100],
      ]);
      expect(good.deployed.lines.join("\n")).toMatch(/analysis-\d+ "errors": error rate 0 <= max 0\.01 \(successful\)/);
      expect(good.deployed.lines.join("\n")).not.toMatch(/no data/);
      expect(good.load.failures, good.explain()).toEqual({});
      expect(good.violations, good.explain()).toEqual([]);
    },
    120_000,
  );

  it("with no traffic at all the rollout says it waits for traffic, then follows noData (inconclusive) and rolls back at the progress deadline", async () => {
    const name = suite.name("defaults-idle");
    const first = await suite.project.deploy(canarySpec(name, "builtin", "v1"));
    expect(await first.outcome, first.lines.join("\n")).toEqual({ outcome: "success" });
    await first.stop();
    const idle = await suite.project.deploy({ ...canarySpec(name, "builtin", "v2"), progressDeadlineMs: 25_000 });
    await waitFor(() => /waiting for traffic/.test(idle.handle.snapshot().message), 40_000, () => idle.lines.join("\n"));
    expect(idle.handle.snapshot().message).toBe('analysis "errors" waiting for traffic: no data: 0 requests in 10s < minRequests 20 at weight 25%');
    const outcome = await idle.outcome;
    await idle.stop();
    expect(outcome.outcome === "failed" ? outcome.message : JSON.stringify(outcome)).toMatch(
      /^deployment ".*" revision \d+ .*rolled back: progress deadline 25s exceeded: analysis "errors" inconclusive: no data: 0 requests in 20s < minRequests 20 by the progress deadline \(25s\) at weight 25%/,
    );
  }, 90_000);
});
