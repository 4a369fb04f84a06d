/**
 * What follows any event: decide every pending job whose needs are all terminal, start ready jobs
 * while slots are free, and finish the run once every job is terminal.
 */
import { printExpression } from "../plan/expression/index.ts";
import { changesDetail } from "./changes-reason.ts";
import { evaluateCondition, needResult } from "./conditions.ts";
import { clearTimer, setStatus, type Draft } from "./draft.ts";
import { failJob, startAttempt } from "./attempts.ts";
import { readyOrWait } from "./approvals.ts";
import { isCancelled, stopMessage } from "./stop.ts";
import { isTerminal, type RunStatus, type SchedulerJob } from "./types.ts";

export function settle(draft: Draft): void {
  if (draft.phase !== "running") return;
  decidePending(draft);
  fillSlots(draft);
  finishIfDone(draft);
}

/** Repeats until nothing changes: a skip or a failure can make its dependents decidable. */
function decidePending(draft: Draft): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const job of draft.graph.order) {
      if (draft.jobs[job.id]?.status !== "pending") continue;
      if (!job.needs.every((need) => isTerminal(draft.jobs[need]?.status ?? "pending"))) continue;
      changed = true;
      decide(draft, job);
    }
  }
}

function decide(draft: Draft, job: SchedulerJob): void {
  if (isCancelled(draft)) {
    setStatus(draft, job.id, "cancelled", stopMessage(draft));
    return;
  }
  const result = evaluateCondition(job, draft);
  if (!result.ok) failJob(draft, job, "failed", result.message);
  else if (result.run) readyOrWait(draft, job);
  else setStatus(draft, job.id, "skipped", skipReason(draft, job));
}

/** `condition "success()" is false (needs: build failure, lint skipped)`. */
function skipReason(draft: Draft, job: SchedulerJob): string {
  const unhappy = job.needs
    .map((need) => [need, needResult(draft.jobs[need]?.status ?? "pending")] as const)
    .filter(([, result]) => result !== "success")
    .map(([need, result]) => `${need} ${result}`);
  const detail = unhappy.length === 0 ? "" : ` (needs: ${unhappy.join(", ")})`;
  const changes = changesDetail(job.condition, { ...draft.options.context, matrix: { ...job.matrix }, needs: {}, status: { anyFailed: false, cancelled: false } });
  return `condition "${printExpression(job.condition)}" is false${detail}${changes}`;
}

/** Ready jobs start in priority order (longest remaining path first, then id). */
function fillSlots(draft: Draft): void {
  if (isCancelled(draft)) return;
  let running = Object.values(draft.jobs).filter((state) => state.status === "running").length;
  for (const job of draft.graph.order) {
    if (running >= draft.options.concurrency) return;
    if (draft.jobs[job.id]?.status !== "ready") continue;
    startAttempt(draft, job);
    running++;
  }
}

function finishIfDone(draft: Draft): void {
  if (!Object.values(draft.jobs).every((state) => isTerminal(state.status))) return;
  for (const key of Object.keys(draft.timers).sort()) clearTimer(draft, key);
  const status = runStatus(draft);
  draft.phase = "finished";
  draft.finishedAt = draft.now;
  draft.status = status;
  draft.commands.push(draft.stopReason === null ? { type: "run-finished", status } : { type: "run-finished", status, reason: draft.stopReason });
}

/**
 * Cancelled when interrupted from outside; failed at the pipeline's deadline (the pipeline did not
 * finish in its time: a failure, not an interruption) or when a job not allowed to fail did; else success.
 */
function runStatus(draft: Draft): RunStatus {
  if (draft.stopReason === "timeout") return "failed";
  if (isCancelled(draft)) return "cancelled";
  const failed = draft.graph.order.some((job) => {
    const status = draft.jobs[job.id]?.status;
    return (status === "failed" || status === "timed-out") && !job.allowFailure;
  });
  return failed ? "failed" : "success";
}
