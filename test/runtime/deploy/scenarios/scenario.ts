/** Shared shape of a scenario: revision 1 deployed first, then revision 2 under load and the invariant monitor. */
import { expect } from "vitest";
import { connectDocker, LABEL_DEPLOYMENT } from "../../../../runtime/docker/index.ts";
import type { JobOutcome } from "../../../../runtime/executor/types.ts";
import type { AnalysisSchema, DeploymentInput } from "../../../../runtime/plan/schema.ts";
import type { z } from "zod";
import { TEST_IMAGES } from "../../../setup/require-docker.ts";
import { uniqueName } from "../target/helpers.ts";
import { Project, startLoad, startMonitor, waitFor, type Deployed, type LoadResult, type MonitorOptions } from "./harness.ts";

export function appTarget(version: string, env: Record<string, string> = {}): DeploymentInput["target"] {
  return { kind: "docker", image: TEST_IMAGES.nodeApp, env: { VERSION: version, ...env } };
}

/** Fast settings: health every 200 ms, short delays. */
export function common(name: string) {
  return {
    name,
    replicas: 2,
    router: { listen: "127.0.0.1:0" },
    healthCheck: { http: { path: "/healthz" }, intervalMs: 200, timeoutMs: 500, failureThreshold: 2 },
    scaleDownDelayMs: 300,
    abortScaleDownDelayMs: 0,
    drainTimeoutMs: 5_000,
    progressDeadlineMs: 20_000,
  } as const;
}

/** A 1 s, count-2 error-rate analysis, first measured after 1 s of traffic. */
export function errorRateAnalysis(count = 2): z.input<typeof AnalysisSchema> {
  return {
    metrics: [{ name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, intervalMs: 1_000, initialDelayMs: 1_000, count, minRequests: 5 }],
  };
}

/** A deployment of one strategy without its target (each revision adds its own). */
export type Spec<S extends DeploymentInput["strategy"]> = Omit<Extract<DeploymentInput, { strategy: S }>, "target">;

export interface ScenarioResult {
  readonly outcome: JobOutcome;
  readonly load: LoadResult;
  readonly violations: string[];
  readonly weights: { readonly at: number; readonly stable: number; readonly canary: number }[];
  readonly second: Deployed;
}

export function scenarioName(kind: string): string {
  return uniqueName(`scn-${kind}`);
}

/**
 * Deploys `first` (a first deploy), stops serving it, then deploys `second`: the loop starts
 * revision 1 again as stable; once it serves, load and monitor run until the verdict plus `tailMs`.
 */
export async function runScenario(project: Project, first: DeploymentInput, second: DeploymentInput, options: MonitorOptions & { tailMs?: number } = {}): Promise<ScenarioResult> {
  const one = await project.deploy(first);
  expect(await one.outcome).toEqual({ outcome: "success" });
  await one.stop();

  const two = await project.deploy(second);
  const replicas = second.replicas ?? 1;
  await waitFor(
    () => two.handle.snapshot().members.filter((m) => m.role === "stable" && m.routed).length === replicas && two.handle.snapshot().weights?.stable === 100,
    20_000,
    () => `stable revision not serving: ${JSON.stringify(two.handle.snapshot())}\n${two.lines.join("\n")}`,
  );
  const monitor = startMonitor(two.handle, options);
  const load = startLoad(two.handle.router.listen, { maxMs: 45_000 });
  const outcome = await two.outcome;
  await new Promise((resolve) => setTimeout(resolve, options.tailMs ?? 1_000));
  const result = await load.stop();
  const violations = monitor.stop();
  return { outcome, load: result, violations, weights: monitor.weights, second: two };
}

/** Removes whatever containers the scenario's deployments left (after a failed assertion). */
export async function removeContainers(names: readonly string[]): Promise<void> {
  const engine = connectDocker();
  // Whatever project deployed them: the scenarios' names are their own.
  for (const name of names) await engine.removeByLabel({ [LABEL_DEPLOYMENT]: name }).catch(() => 0);
}

/** The run's lines, for assertion messages. */
export function explain(result: ScenarioResult): string {
  return `${result.second.lines.join("\n")}\nfailures: ${JSON.stringify(result.load.failures)} versions: ${JSON.stringify(result.load.versions)}\nviolations:\n${result.violations.join("\n")}`;
}
