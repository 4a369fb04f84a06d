/**
 * One attempt of one job: resolve its environment and steps, skip it when the job cache has its
 * result, else give it a fresh workspace with its inputs, run it through the executor (output masked
 * into its log and events), and collect its outputs.
 */
import type { ArtifactStore } from "../artifacts/index.ts";
import type { Executor, JobOutcome } from "../executor/types.ts";
import { collectOutputs, restoreInputs, type ArtifactIndex, type OutputBudget } from "./job-artifacts.ts";
import type { Plan } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";
import type { GitInfo } from "./git-info.ts";
import type { ChangeSet } from "../plan/expression/index.ts";
import { resolveJobEnvironment, type RunValues } from "./job-env.ts";
import type { DeploymentKind } from "./deployments.ts";
import { createJobLogSink } from "./job-log-sink.ts";
import { replayJobReports, reportJob } from "./job-reports.ts";
import { restoreDependencyCaches, saveDependencyCaches } from "./dependency-caches.ts";
import { lookUpJobCache, saveJobCache } from "./job-cache-io.ts";
import { isCacheable } from "./job-cache.ts";
import type { Masker } from "./mask.ts";
import { resolveOnOwnImages, resolveServices, resolveSteps } from "./resolve-steps.ts";
import type { RunStore } from "./run-store.ts";
import type { RunWorkspace } from "./run-workspace.ts";
import { readsImageVariables, servicesReadImageVariables, systemEnv } from "./system-env.ts";

export interface JobAttemptInput {
  readonly artifacts: ArtifactStore;
  /** How a deploy job runs (handed in by the caller: runtime/run never imports runtime/deploy). */
  readonly deployments: DeploymentKind;
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
  /** Skip the job when an earlier run succeeded with the same cache key. */
  readonly useCache: boolean;
  /** The run's output size limits and what its outputs hold so far (shared by its jobs). */
  readonly outputBudget: OutputBudget;
  /** The changed files `changed()` reads, when the plan uses it. */
  readonly changes?: ChangeSet;
  /** Takes the executor's clean-up of the job (container removal) off the job's path; see JobExecution.deferCleanup. */
  readonly deferCleanup?: (cleanup: Promise<void>) => void;
}

export async function runJobAttempt(input: JobAttemptInput): Promise<JobOutcome> {
  const { plan, jobId, attempt, masker, store, emit } = input;
  const job = plan.jobs[jobId]!;
  if (job.deploy) return input.deployments.runJob(input);
  const workspace = input.workspace.pathFor(jobId, attempt);
  const host = input.executor.kind === "local";
  const base = systemEnv({ runId: input.runId, pipeline: plan.name, jobId, jobName: job.name, workspace: host ? workspace : "/workspace", git: input.git, host });
  const values: RunValues = { overrides: input.overrides, secrets: input.secrets, system: base };
  let steps;
  let environment;
  let services;
  try {
    environment = resolveJobEnvironment(plan, jobId, values);
    // `${HOME}` / `${PATH}` in a container job mean the image's: asked of the image, then the env resolved again with them.
    const imageEnvironment = input.executor.imageEnvironment && readsImageVariables(plan, job) ? input.executor.imageEnvironment.bind(input.executor) : null;
    const plainBase = { ...base };
    if (environment.image !== null && imageEnvironment) {
      Object.assign(base, await imageEnvironment(environment.image, input.runId, job));
      environment = resolveJobEnvironment(plan, jobId, values);
    }
    const context = { env: environment.env, vars: {}, matrix: job.matrix ?? {}, needs: {}, git: input.git, pipeline: { name: plan.name }, run: { id: input.runId }, changes: input.changes };
    steps = resolveSteps(job, jobId, environment, values, base, context);
    // A step with its own image: that image's, not the job image's.
    if (imageEnvironment) {
      steps = await resolveOnOwnImages(steps, (image) => imageEnvironment(image, input.runId, job), (imageValues) => {
        const system = { ...plainBase, ...imageValues };
        const own = { ...values, system };
        return resolveSteps(job, jobId, resolveJobEnvironment(plan, jobId, own), own, system, context);
      });
    }
    services = resolveServices(job, jobId, environment, values);
    // A service's `${PATH}` is its own image's, as a step's with its own image is.
    if (imageEnvironment && servicesReadImageVariables(plan, job)) {
      services = await resolveOnOwnImages(services, (image) => imageEnvironment(image, input.runId, job, "service"), (imageValues) => {
        const own = { ...values, system: { ...plainBase, ...imageValues } };
        return resolveServices(job, jobId, resolveJobEnvironment(plan, jobId, own), own);
      });
    }
  } catch (cause) {
    return { outcome: "failed", exitCode: 1, step: 0, message: masker.text((cause as Error).message) };
  }

  const cache = input.useCache && isCacheable(plan, jobId) ? await lookUpJobCache(input, job, environment.image, steps) : null;
  if (cache?.hit) {
    // The run it comes from read the job's reports and checked its gates: this run is told the same.
    if (cache.reports !== null) await replayJobReports({ jobId, runDir: store.dir, emit }, cache.reports).catch((cause: unknown) => emit(reportsUnread(jobId, cause)));
    return { outcome: "success" };
  }

  await input.workspace.forJob(jobId, attempt);
  const restoreProblem = await restoreInputs({ store: input.artifacts, job, jobId, produced: input.produced, workspace, emit });
  if (restoreProblem) return { outcome: "failed", exitCode: 1, step: 0, message: restoreProblem };
  const cacheIo = { store: input.artifacts, job, jobId, pipeline: plan.name, runId: input.runId, workspace, emit };
  const dependencyKeys = await restoreDependencyCaches(cacheIo);

  const sink = createJobLogSink({ job, jobId, masker, store, emit });
  const outcome = await input.executor.runJob({
    runId: input.runId,
    pipeline: plan.name,
    jobId,
    job,
    attempt,
    image: environment.image,
    steps,
    services,
    workspace,
    signal: input.signal,
    stopGraceMs: input.stopGraceMs,
    onLog: sink.onLog,
    onStep: sink.onStep,
    ...(input.deferCleanup ? { deferCleanup: input.deferCleanup } : {}),
  });
  const reported = outcome.outcome === "success" || outcome.outcome === "failed" ? await reportJob({ job, jobId, workspace, runDir: store.dir, emit }).catch((cause: unknown) => {
    emit(reportsUnread(jobId, cause));
    return null;
  }) : null;
  const gateFailure = reported?.failure ?? null;
  if (outcome.outcome !== "success") return outcome;
  if (gateFailure !== null) return { outcome: "failed", exitCode: 1, step: job.steps.length - 1, message: gateFailure };
  const collected = await collectOutputs({ store: input.artifacts, job, jobId, runId: input.runId, pipeline: plan.name, workspace, emit, budget: input.outputBudget });
  if ("failure" in collected) return { outcome: "failed", exitCode: 1, step: job.steps.length - 1, message: collected.failure };
  input.produced.set(jobId, collected.ids);
  // The job's work is done: a cache that cannot be saved (a full disk) costs the next run time, not this job its success.
  await saveDependencyCaches({ ...cacheIo, keys: dependencyKeys }).catch((cause: unknown) => emit(notSaved(jobId, "its dependency caches", cause)));
  if (cache) await saveJobCache(input, cache.key, cache.parts, collected.ids, reported?.recorded ?? null).catch((cause: unknown) => emit(notSaved(jobId, "its job-cache entry", cause)));
  return outcome;
}

function reportsUnread(jobId: string, cause: unknown): RunEventDraft {
  return { type: "run.notice", level: "warning", message: `job ${jobId}: its reports could not be read: ${(cause as Error).message}` };
}

function notSaved(jobId: string, what: string, cause: unknown): RunEventDraft {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === "ENOSPC" || code === "EDQUOT" ? "the disk is full" : (cause as Error).message;
  return { type: "run.notice", level: "warning", message: `job "${jobId}" succeeded, but ${what} could not be saved (${why}); the next run runs it again` };
}
