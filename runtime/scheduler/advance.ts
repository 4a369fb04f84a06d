/**
 * The scheduler's one transition: `advance(state, event, now)` returns the next state and the
 * commands for the shell. The shell's loop is: perform each command in order (start or stop a
 * container, set or clear a timer, record a status, finish), then feed back what happens as events
 * (`job-finished` when an attempt ends, `timer` when a timer fires, `cancel` on Ctrl-C).
 *
 * Events that no longer apply (a timer already cleared, a job-finished for an old attempt,
 * anything after run-finished) are ignored, so the shell need not guard against races.
 */
import { finishAttempt } from "./attempts.ts";
import { closeDraft, currentAttempt, openDraft, PIPELINE_TIMEOUT_KEY, patchJob, setStatus, setTimer, type Draft } from "./draft.ts";
import { settle } from "./settle.ts";
import { approvalTimedOut, approve } from "./approvals.ts";
import { beginStop } from "./stop.ts";
import type { SchedulerCommand, SchedulerEvent, SchedulerState } from "./types.ts";

export interface AdvanceResult {
  readonly state: SchedulerState;
  readonly commands: SchedulerCommand[];
}

/** Pure: `state` is not modified; the same inputs give the same result. */
export function advance(state: SchedulerState, event: SchedulerEvent, now: number): AdvanceResult {
  if (state.phase === "finished") return { state, commands: [] };
  const draft = openDraft(state, now);
  switch (event.type) {
    case "start":
      if (draft.phase === "created") begin(draft);
      break;
    case "job-finished":
      if (draft.phase === "running") finishAttempt(draft, event);
      break;
    case "timer":
      fireTimer(draft, event.key);
      break;
    case "approved":
      if (draft.phase === "running") approve(draft, event.id, event.name);
      break;
    case "cancel":
      if (draft.phase === "created") markStarted(draft);
      beginStop(draft, event.reason);
      break;
  }
  settle(draft);
  return closeDraft(draft);
}

function begin(draft: Draft): void {
  markStarted(draft);
  const timeout = draft.options.pipelineTimeoutMs;
  if (timeout !== null) setTimer(draft, PIPELINE_TIMEOUT_KEY, { kind: "pipeline-timeout" }, draft.now + timeout);
  const previous = draft.options.previous ?? {};
  for (const job of draft.graph.order) {
    if (Object.hasOwn(previous, job.id) && previous[job.id] === "success") {
      setStatus(draft, job.id, "success", "succeeded in a previous run");
    }
  }
}

function markStarted(draft: Draft): void {
  draft.phase = "running";
  draft.startedAt = draft.now;
}

function fireTimer(draft: Draft, key: string): void {
  if (!Object.hasOwn(draft.timers, key)) return;
  const entry = draft.timers[key];
  delete draft.timers[key];
  if (entry === undefined) return;
  if (entry.kind === "pipeline-timeout") {
    beginStop(draft, "timeout");
    return;
  }
  if (entry.kind === "approval") {
    approvalTimedOut(draft, entry.id);
    return;
  }
  const state = draft.jobs[entry.id];
  if (state === undefined || currentAttempt(state) !== entry.attempt) return;
  if (entry.kind === "retry" && state.status === "retrying") {
    setStatus(draft, entry.id, "ready", null);
  } else if (entry.kind === "job-timeout" && state.status === "running" && state.stopping === null) {
    patchJob(draft, entry.id, { stopping: "timeout" });
    draft.commands.push({ type: "stop-job", id: entry.id, attempt: entry.attempt, reason: "timeout" });
  }
}
