/**
 * The run loop: the thin shell around the pure scheduler. It feeds the scheduler events, performs its
 * commands (start and stop jobs through the executor, set timers), masks and records output, and keeps
 * `.pipec/runs/<id>/`. It never writes to the console: the caller gets events.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Executor, JobOutcome } from "../executor/types.ts";
import type { Plan } from "../plan/schema.ts";
import { advance, createScheduler, runCriticalPath, schedulerJobsFromPlan, type SchedulerCommand, type SchedulerEvent, type SchedulerState } from "../scheduler/index.ts";
import type { RunEvent, RunEventDraft } from "./events.ts";
import { readGitInfoInBackground } from "./git-info.ts";
import { changesForRun } from "./run-changes.ts";
import { runJobAttempt } from "./job-attempt.ts";
import { createManualApprovals } from "./manual-approvals.ts";
import { createMasker, UnmaskableSecretError, unmaskableSecrets } from "./mask.ts";
import { conditionalSecretsNotice, MissingSecretsError, missingSecrets } from "./missing-secrets.ts";
import { newRunId } from "./run-id.ts";
import { createRunStore, listRunIds, readRunState, type RunState } from "./run-store.ts";
import { notifyRun } from "./notifications.ts";
import { prepareRunWorkspace, type RunWorkspace } from "./run-workspace.ts";
import { removeLater } from "../workspace/index.ts";
import { defaultStoreRoot, openArtifactStore } from "../artifacts/index.ts";
import type { DeploymentKind } from "./deployments.ts";
import { DEFAULT_OUTPUT_LIMITS, type ArtifactIndex, type OutputBudget, type OutputLimits } from "./job-artifacts.ts";
import { reapCrashedRuns, writePidFile } from "./reap-crashed-runs.ts";

export interface RunOptions {
  readonly projectDir: string;
  readonly plan: Plan;
  readonly executor: Executor;
  /** @default the number of CPUs */
  readonly concurrency: number;
  readonly failFast: boolean;
  /** `--var NAME=value` */
  readonly overrides: Readonly<Record<string, string>>;
  /** Secret values by name (from the environment or --secrets-file). Each must be maskable (see MIN_SECRET_LENGTH). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Files that hold secret values (`--secrets-file`): never copied into the run's snapshot or a job's workspace. */
  readonly secretFiles?: readonly string[];
  /** Aborting cancels the run (Ctrl-C): running jobs are stopped gracefully, the run ends cancelled. */
  readonly signal?: AbortSignal;
  /** Jobs that succeeded in an earlier run, kept as they are (`--resume`). */
  readonly resume?: { readonly runId: string; readonly succeeded: Readonly<Record<string, "success">>; readonly outputs: Readonly<Record<string, Record<string, string>>> };
  /** SIGTERM-to-SIGKILL grace when a job is stopped. @default 10 s */
  readonly stopGraceMs?: number;
  /** Skip jobs whose result the job cache has. @default true */
  readonly useCache?: boolean;
  /** The artifact store's folder. @default .pipec/store in the project */
  readonly storeDir?: string;
  /** Output size limits (per output, per run). @default DEFAULT_OUTPUT_LIMITS: 5 GiB and 20 GiB */
  readonly outputLimits?: Partial<OutputLimits>;
  /** `--base REF`: what `changed(...)` compares with. @default the merge base with the default branch, else the last successful run's commit */
  readonly base?: string;
  /** Keep each job's workspace under the run directory after the run. @default false */
  readonly keepWorkspaces?: boolean;
  /** How deploy jobs run, and how deployments a crashed pipec left serving are stopped (runtime/deploy/run-kind.ts). */
  readonly deployments: DeploymentKind;
  onEvent(event: RunEvent): void;
}

export interface RunResult {
  readonly runId: string;
  readonly status: "success" | "failed" | "cancelled";
  readonly dir: string;
  readonly state: SchedulerState;
}

/** Throws (before anything is written or run) UnmaskableSecretError for a secret too short to mask, MissingSecretsError for one not set. */
export async function runPipeline(options: RunOptions): Promise<RunResult> {
  const { plan, executor, projectDir } = options;
  const unmaskable = unmaskableSecrets(options.secrets);
  if (unmaskable.length > 0) throw new UnmaskableSecretError(unmaskable);
  const unset = missingSecrets(plan, options.secrets, new Set(Object.keys(options.resume?.succeeded ?? {})));
  if (unset.size > 0) throw new MissingSecretsError(unset);
  const changes = changesForRun(projectDir, plan, options.base);
  const runId = newRunId();
  const store = createRunStore(projectDir, runId, plan);
  const masker = createMasker(Object.values(options.secrets));
  const startedAt = new Date();
  const emit = (draft: RunEventDraft) => {
    const event = { ...draft, time: new Date().toISOString(), runId } as RunEvent;
    store.append(event);
    options.onEvent(event);
  };
  writePidFile(store.dir);
  const reaped = await reapCrashedRuns(projectDir, executor);
  // Deployments left serving by a pipec that ended hard.
  const orphans = await options.deployments.reapOrphaned(projectDir);
  const artifacts = openArtifactStore(options.storeDir ?? defaultStoreRoot(projectDir));
  const outputBudget: OutputBudget = { limits: { ...DEFAULT_OUTPUT_LIMITS, ...options.outputLimits }, usedBytes: 0 };
  const produced: ArtifactIndex = new Map(Object.entries(options.resume?.outputs ?? {}));
  const resumedIds = [...produced.values()].flatMap((outputs) => Object.values(outputs));
  const { missing } = await artifacts.acquire(runId, resumedIds);
  if (missing.length > 0) emit({ type: "run.notice", level: "warning", message: `${missing.length} artifact(s) of the resumed run are gone from the store; the jobs that take them will fail` });
  const commit = readGitInfoInBackground(projectDir);
  // What the executor does not enforce (its probe may start a process): found out while the snapshot is taken.
  const done = new Set(Object.keys(options.resume?.succeeded ?? {}));
  const pending = new Map(Object.entries(plan.jobs).filter(([id, job]) => !job.deploy && !done.has(id)));
  const notices = executor.notices?.(pending) ?? Promise.resolve([]);
  notices.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  let workspace: RunWorkspace;
  try {
    workspace = await prepareRunWorkspace({ projectDir, runDir: store.dir, store: artifacts, runId, pipeline: plan.name, excluded: options.secretFiles ?? [] });
  } catch (cause) {
    await Promise.all([commit, notices.catch(() => [])]);
    // Nothing ran: leave no run behind (the snapshot's store writes are whole or only temp files gc removes).
    store.close();
    await artifacts.release(runId).catch(() => undefined);
    await rm(store.dir, { recursive: true, force: true }).catch(() => undefined);
    throw cause;
  }
  const git = await commit;
  for (const warning of workspace.warnings) emit({ type: "run.notice", level: "warning", message: warning });
  if (orphans.names.length > 0) {
    emit({ type: "run.notice", level: "info", message: `stopped deployment(s) ${orphans.names.join(", ")}, left serving by a pipec process that ended hard: ${orphans.instances} instance(s)` });
  }
  for (const problem of orphans.problems) emit({ type: "run.notice", level: "warning", message: problem });
  for (const note of reaped.notes) emit({ type: "run.notice", level: "warning", message: note });
  if (reaped.removed > 0) emit({ type: "run.notice", level: "info", message: `cleaned up after ${reaped.runs.join(", ")}: ${reaped.removed} container(s) removed` });

  let state = createScheduler(schedulerJobsFromPlan(plan), {
    concurrency: options.concurrency,
    failFast: options.failFast,
    pipelineTimeoutMs: plan.timeoutMs,
    random: Math.random,
    context: { env: conditionEnv(plan), vars: resolvedVars(plan, options.overrides), git, pipeline: { name: plan.name }, run: { id: runId }, changes },
    previous: options.resume?.succeeded,
  });
  emit({ type: "run.started", pipeline: plan.name, digest: plan.digest ?? "", executor: executor.kind, concurrency: options.concurrency, jobs: Object.keys(plan.jobs), resumedFrom: options.resume?.runId ?? null });
  if (git.sha !== null) emit({ type: "run.commit", sha: git.sha, branch: git.branch, tag: git.tag, authorTime: git.authorTime ?? null });
  if (changes !== undefined) emit({ type: "run.changes", base: changes.base, files: changes.files === null ? null : changes.files.length });
  // Said once, before the first job: what the executor does not enforce, and secrets only conditional jobs lack.
  for (const message of await notices) emit({ type: "run.notice", level: "warning", message });
  const unsetConditional = missingSecrets(plan, options.secrets, done, true);
  if (unsetConditional.size > 0) emit({ type: "run.notice", level: "warning", message: conditionalSecretsNotice(unsetConditional) });

  const timers = new Map<string, NodeJS.Timeout>();
  // Containers of finished jobs still being removed: the run ends after them (the next jobs do not wait).
  const cleanups: Promise<void>[] = [];
  const deferCleanup = (cleanup: Promise<void>) => void cleanups.push(cleanup.catch(() => {}));
  const running = new Map<string, AbortController>();
  const queue: SchedulerEvent[] = [];
  let dispatching = false;
  let finish!: (status: RunResult["status"]) => void;
  const finished = new Promise<RunResult["status"]>((resolve) => (finish = resolve));

  const dispatch = (event: SchedulerEvent) => {
    queue.push(event);
    if (dispatching) return;
    dispatching = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const result = advance(state, next, Date.now());
        state = result.state;
        for (const command of result.commands) perform(command);
      }
    } finally {
      dispatching = false;
    }
  };

  const perform = (command: SchedulerCommand) => {
    switch (command.type) {
      case "start-job": {
        const controller = new AbortController();
        running.set(command.id, controller);
        emit({ type: "job.started", job: command.id, attempt: command.attempt });
        void runJobAttempt({ deployments: options.deployments, useCache: options.useCache ?? true, artifacts, produced, plan, jobId: command.id, attempt: command.attempt, runId, executor, masker, store, emit, git, overrides: options.overrides, secrets: options.secrets, changes, workspace, outputBudget, signal: controller.signal, stopGraceMs: options.stopGraceMs ?? 10_000, deferCleanup })
          .catch((cause: unknown): JobOutcome => ({ outcome: "infrastructure-error", message: `pipec could not run the job: ${(cause as Error).message}` }))
          .then((outcome) => {
            running.delete(command.id);
            const exitCode = outcome.outcome === "failed" ? outcome.exitCode : outcome.outcome === "success" ? 0 : null;
            const message = outcome.outcome === "success" ? undefined : masker.text(outcome.message);
            const retryable = !(outcome.outcome === "infrastructure-error" && outcome.permanent === true);
            dispatch({ type: "job-finished", id: command.id, attempt: command.attempt, outcome: outcome.outcome, exitCode, message, retryable });
          });
        return;
      }
      case "stop-job":
        running.get(command.id)?.abort(command.reason);
        return;
      case "set-timer": {
        clearTimeout(timers.get(command.key));
        timers.set(command.key, setTimeout(() => dispatch({ type: "timer", key: command.key }), Math.max(0, command.at - Date.now())));
        return;
      }
      case "clear-timer":
        clearTimeout(timers.get(command.key));
        timers.delete(command.key);
        return;
      case "job-status": {
        emit({ type: "job.status", job: command.id, status: command.status, attempt: command.attempt, reason: command.reason ?? null });
        const job = state.jobs[command.id];
        if (job && ["success", "failed", "timed-out", "skipped", "cancelled"].includes(command.status)) {
          const first = job.attempts[0];
          const last = job.attempts.at(-1);
          emit({
            type: "job.finished",
            job: command.id,
            status: command.status,
            attempts: job.attempts.length,
            durationMs: first && last?.endedAt != null ? last.endedAt - first.startedAt : 0,
            exitCode: last?.exitCode ?? null,
            reason: command.reason ?? null,
            ...(command.status === "success" ? { outputs: produced.get(command.id) ?? {} } : {}),
          });
        }
        return;
      }
      case "await-approval":
        approvals.open(command.id, command.name, command.timeoutAt);
        return;
      case "approval-closed":
        approvals.close(command.id, command.name, command.outcome);
        return;
      case "run-finished":
        finish(command.status);
        return;
    }
  };

  const approvals = createManualApprovals({ runDir: store.dir, runId, emit, approved: (id, name) => dispatch({ type: "approved", id, name }) });
  const onAbort = () => dispatch({ type: "cancel", reason: "interrupt" });
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  dispatch({ type: "start" });
  const status = await finished;
  options.signal?.removeEventListener("abort", onAbort);
  for (const timer of timers.values()) clearTimeout(timer);
  approvals.stop();
  await Promise.all(cleanups);

  const removed = await executor.cleanup(runId).catch(() => 0);
  if (removed > 0) emit({ type: "run.notice", level: "warning", message: `removed ${removed} leftover container(s) of this run` });
  const path = runCriticalPath(state);
  emit({ type: "run.finished", status, reason: state.stopReason, durationMs: Date.now() - startedAt.getTime(), criticalPath: [...path.path], criticalPathMs: path.totalMs });
  store.writeState(finalState(runId, plan, state, status, startedAt, options.resume?.runId ?? null, produced));
  if (plan.notify.length > 0) {
    const failedJobs = Object.entries(state.jobs)
      .filter(([, job]) => job.status === "failed" || job.status === "timed-out")
      .map(([job, s]) => ({ job, status: s.status, reason: s.reason === null ? null : masker.text(s.reason) }));
    const body = { pipeline: plan.name, runId, failedJobs, durationMs: Date.now() - startedAt.getTime(), commit: { sha: git.sha, branch: git.branch }, runDir: store.dir };
    for (const result of await notifyRun(plan, status, previousOutcome(projectDir, plan.name, runId), body, { secrets: options.secrets, mask: (text) => masker.text(text) })) {
      emit({ type: "run.notify", ...result });
    }
  }
  store.close();
  // Said after the last write, so that a state.json that could not be written is said too (the store is closed: console only).
  for (const problem of store.writeProblems) options.onEvent({ type: "run.notice", level: "warning", message: problem, time: new Date().toISOString(), runId });
  await artifacts.release(runId).catch(() => undefined);
  // Renamed into .pipec/trash and removed by a detached process after pipec exits (remove-later.ts).
  if (!options.keepWorkspaces) await removeLater(join(store.dir, "work"), join(projectDir, ".pipec", "trash"));
  return { runId, status, dir: store.dir, state };
}

/** How this pipeline's newest earlier finished run ended (cancelled runs are passed over), for "recovered". */
function previousOutcome(projectDir: string, pipeline: string, runId: string): "success" | "failed" | null {
  for (const id of listRunIds(projectDir)) {
    if (id === runId) continue;
    const state = readRunState(projectDir, id);
    if (state?.pipeline === pipeline && (state.status === "success" || state.status === "failed")) return state.status;
  }
  return null;
}

/** `env` in job conditions: the pipeline's own variables as written (secrets never take part in conditions). */
function conditionEnv(plan: Plan): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(plan.env)) if (typeof value === "string") env[name] = value;
  return env;
}

function resolvedVars(plan: Plan, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, v] of Object.entries(plan.vars)) if (v.default !== null) vars[name] = v.default;
  for (const name of Object.keys(plan.vars)) if (overrides[name] !== undefined) vars[name] = overrides[name];
  return vars;
}

function finalState(runId: string, plan: Plan, state: SchedulerState, status: RunResult["status"], startedAt: Date, resumedFrom: string | null, produced: ArtifactIndex): RunState {
  const jobs: RunState["jobs"] = {};
  for (const id of Object.keys(plan.jobs)) {
    const job = state.jobs[id]!;
    const first = job.attempts[0];
    const last = job.attempts.at(-1);
    jobs[id] = {
      status: job.status,
      attempts: job.attempts.length,
      durationMs: first && last?.endedAt != null ? last.endedAt - first.startedAt : null,
      exitCode: last?.exitCode ?? null,
      reason: job.reason,
      outputs: produced.get(id) ?? {},
    };
  }
  return { runId, pipeline: plan.name, status, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), resumedFrom, jobs };
}
