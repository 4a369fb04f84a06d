/**
 * One attempt of one job: resolve its environment and steps, give it a fresh workspace, run it through
 * the executor, and record its output masked, line by line, in the job's log and as events.
 */
import type { ArtifactStore } from "../artifacts/index.ts";
import type { Executor, JobOutcome, LogStream } from "../executor/types.ts";
import { collectOutputs, restoreInputs, type ArtifactIndex } from "./job-artifacts.ts";
import type { Plan } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";
import type { GitInfo } from "./git-info.ts";
import { resolveJobEnvironment, type RunValues } from "./job-env.ts";
import { createLineSplitter } from "./line-splitter.ts";
import type { Masker } from "./mask.ts";
import { resolveServices, resolveSteps } from "./resolve-steps.ts";
import type { RunStore } from "./run-store.ts";
import type { RunWorkspace } from "./run-workspace.ts";
import { systemEnv } from "./system-env.ts";

export interface JobAttemptInput {
  readonly artifacts: ArtifactStore;
  /** Outputs of the jobs finished so far; this attempt adds its own on success. */
  readonly produced: ArtifactIndex;
  readonly plan: Plan;
  readonly jobId: string;
  readonly attempt: number;
  readonly runId: string;
  readonly executor: Executor;
  readonly masker: Masker;
  readonly store: RunStore;
  readonly emit: (event: RunEventDraft) => void;
  readonly git: GitInfo;
  readonly overrides: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly workspace: RunWorkspace;
  readonly signal: AbortSignal;
  readonly stopGraceMs: number;
}

export async function runJobAttempt(input: JobAttemptInput): Promise<JobOutcome> {
  const { plan, jobId, attempt, masker, store, emit } = input;
  const job = plan.jobs[jobId]!;
  if (job.deploy) return { outcome: "failed", exitCode: 1, step: 0, message: `deployment jobs ("${jobId}", ${job.deploy.strategy}) are not run by this version of pipec yet` };
  const workspace = await input.workspace.forJob(jobId, attempt);
  const restoreProblem = await restoreInputs({ store: input.artifacts, job, jobId, produced: input.produced, workspace, emit });
  if (restoreProblem) return { outcome: "failed", exitCode: 1, step: 0, message: restoreProblem };
  const host = input.executor.kind === "local";
  const base = systemEnv({ runId: input.runId, pipeline: plan.name, jobId, jobName: job.name, workspace: host ? workspace : "/workspace", git: input.git, host });
  const values: RunValues = { overrides: input.overrides, secrets: input.secrets, system: base };
  let steps;
  let environment;
  try {
    environment = resolveJobEnvironment(plan, jobId, values);
    const context = { env: environment.env, vars: {}, matrix: job.matrix ?? {}, needs: {}, git: input.git, pipeline: { name: plan.name }, run: { id: input.runId } };
    steps = resolveSteps(job, jobId, environment, values, base, context);
  } catch (cause) {
    return { outcome: "failed", exitCode: 1, step: 0, message: masker.text((cause as Error).message) };
  }

  const writers = new Map<string, { mask: ReturnType<Masker["stream"]>; lines: ReturnType<typeof createLineSplitter> }>();
  const writer = (stream: LogStream, step: number) => {
    const key = `${step}:${stream}`;
    let w = writers.get(key);
    if (!w) {
      const lines = createLineSplitter((text) => emit({ type: "job.log", job: jobId, step, stream, text }));
      w = { mask: masker.stream(), lines };
      writers.set(key, w);
    }
    return w;
  };
  const flush = (step: number) => {
    for (const stream of ["stdout", "stderr"] as const) {
      const w = writers.get(`${step}:${stream}`);
      if (!w) continue;
      const rest = w.mask.flush();
      store.appendLog(jobId, rest);
      w.lines.push(rest);
      w.lines.flush();
      writers.delete(`${step}:${stream}`);
    }
  };

  const outcome = await input.executor.runJob({
    runId: input.runId,
    pipeline: plan.name,
    jobId,
    job,
    attempt,
    image: environment.image,
    steps,
    services: resolveServices(job, jobId, environment, values),
    workspace,
    signal: input.signal,
    stopGraceMs: input.stopGraceMs,
    onLog(stream, chunk, step) {
      const w = writer(stream, step);
      const masked = w.mask.push(chunk);
      store.appendLog(jobId, masked);
      w.lines.push(masked);
    },
    onStep(event) {
      const name = job.steps[event.step]?.name ?? `step-${event.step + 1}`;
      if (event.type === "started") {
        store.appendLog(jobId, `--- step ${event.step + 1}: ${name}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}\n`);
        emit({ type: "step.started", job: jobId, step: event.step, name, attempt: event.attempt });
      } else if (event.type === "skipped") {
        emit({ type: "step.finished", job: jobId, step: event.step, name, status: "skipped", exitCode: null, durationMs: 0 });
      } else {
        flush(event.step);
        emit({ type: "step.finished", job: jobId, step: event.step, name, status: event.status, exitCode: event.exitCode, durationMs: event.durationMs });
      }
    },
  });
  if (outcome.outcome !== "success") return outcome;
  const collected = await collectOutputs({ store: input.artifacts, job, jobId, runId: input.runId, pipeline: plan.name, workspace, emit });
  if ("failure" in collected) return { outcome: "failed", exitCode: 1, step: job.steps.length - 1, message: collected.failure };
  input.produced.set(jobId, collected.ids);
  return outcome;
}
