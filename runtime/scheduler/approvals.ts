/**
 * Manual jobs: a job with an approval whose condition holds waits (status "waiting", holding no
 * slot) until `approved` arrives for it, or its approval timer fires: onTimeout "promote" makes it
 * ready, "abort" fails it, as a deployment's approval gate does. A stop cancels the wait.
 */
import { failJob } from "./attempts.ts";
import { approvalKey, clearTimer, setStatus, setTimer, type Draft } from "./draft.ts";
import type { SchedulerJob } from "./types.ts";

/** The job's condition holds: it waits, or is ready at once when it needs no approval. */
export function readyOrWait(draft: Draft, job: SchedulerJob): void {
  const approval = job.approval;
  if (approval === null) {
    setStatus(draft, job.id, "ready", null);
    return;
  }
  const timeoutAt = approval.timeoutMs === null ? null : draft.now + approval.timeoutMs;
  const limit = approval.timeoutMs === null ? "" : ` (${approval.onTimeout} after ${formatMs(approval.timeoutMs)})`;
  setStatus(draft, job.id, "waiting", `waiting for approval "${approval.name}"${limit}`);
  if (timeoutAt !== null) setTimer(draft, approvalKey(job.id), { kind: "approval", id: job.id }, timeoutAt);
  draft.commands.push({ type: "await-approval", id: job.id, name: approval.name, timeoutAt });
}

/** `pipec approve RUN NAME`: a waiting job with that approval name becomes ready; anything else is stale. */
export function approve(draft: Draft, id: string, name: string): void {
  const job = draft.graph.byId[id];
  if (job?.approval?.name !== name || draft.jobs[id]?.status !== "waiting") return;
  clearTimer(draft, approvalKey(id));
  draft.commands.push({ type: "approval-closed", id, name, outcome: "approved" });
  setStatus(draft, id, "ready", null);
}

export function approvalTimedOut(draft: Draft, id: string): void {
  const job = draft.graph.byId[id];
  const approval = job?.approval;
  if (job === undefined || approval == null || draft.jobs[id]?.status !== "waiting") return;
  draft.commands.push({ type: "approval-closed", id, name: approval.name, outcome: "timed-out" });
  const after = formatMs(approval.timeoutMs ?? 0);
  if (approval.onTimeout === "promote") setStatus(draft, id, "ready", `approval "${approval.name}" timed out after ${after}: running it (onTimeout: promote)`);
  else failJob(draft, job, "failed", `approval "${approval.name}" was not given within ${after} (onTimeout: abort)`);
}

/** A stop (fail-fast, Ctrl-C, the pipeline's timeout) ends a wait: the job is cancelled. */
export function closeWait(draft: Draft, job: SchedulerJob, reason: string): void {
  clearTimer(draft, approvalKey(job.id));
  draft.commands.push({ type: "approval-closed", id: job.id, name: job.approval?.name ?? job.id, outcome: "cancelled" });
  setStatus(draft, job.id, "cancelled", reason);
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
