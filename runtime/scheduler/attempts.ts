/** Starting an attempt and deciding what its end means: success, a retry, or a final status. */
import { backoffDelayMs, settleOutcome, shouldRetry, type FailureClass } from "./retry-policy.ts";
import { clearTimer, currentAttempt, jobTimeoutKey, jobState, retryKey, setStatus, setTimer, type Draft } from "./draft.ts";
import { beginStop, isCancelled, stopMessage } from "./stop.ts";
import type { AttemptRecord, JobState, SchedulerEvent, SchedulerJob } from "./types.ts";

type JobFinished = Extract<SchedulerEvent, { type: "job-finished" }>;

/** Starts the job's next attempt and arms its deadline. */
export function startAttempt(draft: Draft, job: SchedulerJob): void {
  const state = jobState(draft, job.id);
  const attempt = currentAttempt(state) + 1;
  const record: AttemptRecord = { attempt, startedAt: draft.now, endedAt: null, outcome: null, exitCode: null, message: null };
  setStatus(draft, job.id, "running", null, { attempts: [...state.attempts, record], stopping: null });
  setTimer(draft, jobTimeoutKey(job.id, attempt), { kind: "job-timeout", id: job.id, attempt }, draft.now + job.timeoutMs);
  draft.commands.push({ type: "start-job", id: job.id, attempt });
}

/** Applies a job-finished event; one for a job or attempt that is not running is stale and ignored. */
export function finishAttempt(draft: Draft, event: JobFinished): void {
  const state = draft.jobs[event.id];
  const job = draft.graph.byId[event.id];
  if (state === undefined || job === undefined || state.status !== "running" || currentAttempt(state) !== event.attempt) return;
  const attempt = event.attempt;
  const done: AttemptRecord = {
    ...(state.attempts[attempt - 1] as AttemptRecord),
    endedAt: draft.now,
    outcome: event.outcome,
    exitCode: event.exitCode,
    message: event.message ?? null,
  };
  const patch: Partial<JobState> = { attempts: [...state.attempts.slice(0, -1), done], stopping: null };
  clearTimer(draft, jobTimeoutKey(job.id, attempt));
  const settled = settleOutcome(event.outcome, state.stopping);
  if (settled.kind === "success") {
    setStatus(draft, job.id, "success", null, { ...patch, outputs: { ...(event.outputs ?? {}) } });
    return;
  }
  if (settled.kind === "cancelled") {
    setStatus(draft, job.id, "cancelled", stopMessage(draft), patch);
    return;
  }
  const text = describeFailure(job, settled.class, event);
  if (!isCancelled(draft) && event.retryable !== false && shouldRetry(job.retry, attempt, settled.class, event.exitCode)) {
    const delay = backoffDelayMs(job.retry.backoff, attempt, draft.options.random);
    setStatus(draft, job.id, "retrying", `${text}; attempt ${attempt + 1} of ${job.retry.max + 1} in ${delay} ms`, patch);
    setTimer(draft, retryKey(job.id, attempt), { kind: "retry", id: job.id, attempt }, draft.now + delay);
    return;
  }
  const attemptsNote = attempt > 1 ? ` (after ${attempt} attempts)` : "";
  failJob(draft, job, settled.class === "timeout" ? "timed-out" : "failed", text + attemptsNote, patch);
}

/** A final failure; fail-fast reacts unless the job may fail. */
export function failJob(draft: Draft, job: SchedulerJob, status: "failed" | "timed-out", reason: string, patch: Partial<JobState> = {}): void {
  setStatus(draft, job.id, status, reason, patch);
  if (!job.allowFailure && draft.options.failFast) beginStop(draft, "fail-fast", `job "${job.id}" ${status === "timed-out" ? "timed out" : "failed"}`);
}

function describeFailure(job: SchedulerJob, failure: FailureClass, event: JobFinished): string {
  if (event.message !== undefined && event.message !== "") return event.message;
  if (failure === "timeout") return `timed out after ${job.timeoutMs} ms`;
  if (failure === "exit-code") return event.exitCode === null ? "failed" : `exited with code ${event.exitCode}`;
  return event.outcome === "cancelled" ? "stopped outside pipec" : "infrastructure error";
}
