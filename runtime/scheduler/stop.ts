/**
 * Stopping a run: fail-fast after a failure, or a cancel (Ctrl-C, pipeline timeout).
 *
 * - Jobs not started yet (pending, ready, retrying) are cancelled at once; running jobs get a
 *   stop-job and end cancelled when the executor reports back.
 * - Fail-fast spares jobs whose condition calls always(), failure() or cancelled(): they keep
 *   running, retrying or waiting, and run if their condition (now seeing cancelled() true and
 *   success() false) allows. Cleanup and notification jobs still happen after a failure.
 * - A cancel spares nothing, always() jobs included: the user asked pipec to stop, or the run's
 *   time budget is spent, so nothing new starts. A cancel during fail-fast stops the spared jobs.
 */
import { runsAfterFailure } from "./conditions.ts";
import { clearTimer, currentAttempt, patchJob, retryKey, setStatus, type Draft } from "./draft.ts";
import type { StopReason } from "./types.ts";
import { closeWait } from "./approvals.ts";

/** `cause` names what triggered a fail-fast, for the reasons shown on the cancelled jobs. */
export function beginStop(draft: Draft, reason: StopReason, cause?: string): void {
  const escalates = draft.stopReason === "fail-fast" && reason !== "fail-fast";
  if (draft.stopReason !== null && !escalates) return;
  const text = stopText(draft, reason, cause);
  draft.stopReason = reason;
  draft.stopMessage = text;
  for (const job of draft.graph.order) {
    const state = draft.jobs[job.id];
    if (state === undefined) continue;
    if (reason === "fail-fast" && runsAfterFailure(job.condition)) continue;
    switch (state.status) {
      case "pending":
      case "ready":
        setStatus(draft, job.id, "cancelled", text);
        break;
      case "waiting":
        closeWait(draft, job, text);
        break;
      case "retrying":
        clearTimer(draft, retryKey(job.id, currentAttempt(state)));
        setStatus(draft, job.id, "cancelled", text);
        break;
      case "running":
        if (state.stopping !== null) break;
        patchJob(draft, job.id, { stopping: "cancel" });
        draft.commands.push({ type: "stop-job", id: job.id, attempt: currentAttempt(state), reason: "cancel" });
        break;
      default:
        break;
    }
  }
}

function stopText(draft: Draft, reason: StopReason, cause?: string): string {
  if (reason === "interrupt") return "run interrupted";
  if (reason === "timeout") {
    const limit = draft.options.pipelineTimeoutMs;
    return limit === null ? "run timed out" : `run timed out (pipeline timeout ${limit} ms)`;
  }
  return cause === undefined ? "fail-fast: another job failed" : `fail-fast: ${cause}`;
}

/** The reason a job shows when the run's stop cancels it. */
export function stopMessage(draft: Draft): string {
  return draft.stopMessage ?? "stopped";
}

/** True once the run is cancelled from outside: nothing new may start or retry. */
export function isCancelled(draft: Pick<Draft, "stopReason">): boolean {
  return draft.stopReason === "interrupt" || draft.stopReason === "timeout";
}
