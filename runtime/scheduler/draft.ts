/**
 * The working copy one `advance` call edits. It copies the job and timer maps of the state once,
 * replaces JobState objects instead of changing them, and collects commands; `closeDraft` turns it
 * into the next state. The input state is never modified, so `advance` stays a pure function.
 */
import type { ConditionView } from "./conditions.ts";
import type {
  JobState,
  JobStatus,
  RunStatus,
  SchedulerCommand,
  SchedulerGraph,
  SchedulerOptions,
  SchedulerState,
  StopReason,
  TimerEntry,
} from "./types.ts";

export interface Draft extends ConditionView {
  readonly graph: SchedulerGraph;
  readonly options: SchedulerOptions;
  readonly now: number;
  phase: SchedulerState["phase"];
  stopReason: StopReason | null;
  stopMessage: string | null;
  status: RunStatus | null;
  startedAt: number | null;
  finishedAt: number | null;
  jobs: Record<string, JobState>;
  timers: Record<string, TimerEntry>;
  readonly commands: SchedulerCommand[];
}

export const PIPELINE_TIMEOUT_KEY = "pipeline-timeout";
/** Job ids cannot contain ':', so these keys never collide. */
export const jobTimeoutKey = (id: string, attempt: number): string => `timeout:${id}:${attempt}`;
export const retryKey = (id: string, attempt: number): string => `retry:${id}:${attempt}`;
export const approvalKey = (id: string): string => `approval:${id}`;

export function openDraft(state: SchedulerState, now: number): Draft {
  return {
    graph: state.graph,
    options: state.options,
    now,
    phase: state.phase,
    stopReason: state.stopReason,
    stopMessage: state.stopMessage,
    status: state.status,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    jobs: { ...state.jobs },
    timers: { ...state.timers },
    commands: [],
  };
}

export function closeDraft(draft: Draft): { state: SchedulerState; commands: SchedulerCommand[] } {
  const state: SchedulerState = {
    graph: draft.graph,
    options: draft.options,
    phase: draft.phase,
    stopReason: draft.stopReason,
    stopMessage: draft.stopMessage,
    status: draft.status,
    startedAt: draft.startedAt,
    finishedAt: draft.finishedAt,
    jobs: draft.jobs,
    timers: draft.timers,
  };
  return { state, commands: draft.commands };
}

export function jobState(draft: Draft, id: string): JobState {
  const state = draft.jobs[id];
  if (state === undefined) throw new Error(`scheduler: no state for job "${id}"`);
  return state;
}

/** The attempt number a job is on: 0 before its first start. */
export function currentAttempt(state: JobState): number {
  return state.attempts.length;
}

/** Moves a job to `status` and announces it with a job-status command. */
export function setStatus(draft: Draft, id: string, status: JobStatus, reason: string | null, patch: Partial<JobState> = {}): void {
  const next: JobState = { ...jobState(draft, id), ...patch, status, reason };
  draft.jobs[id] = next;
  const attempt = currentAttempt(next);
  draft.commands.push(reason === null ? { type: "job-status", id, status, attempt } : { type: "job-status", id, status, attempt, reason });
}

/** Changes a job without a status change (nothing to announce). */
export function patchJob(draft: Draft, id: string, patch: Partial<JobState>): void {
  draft.jobs[id] = { ...jobState(draft, id), ...patch };
}

export function setTimer(draft: Draft, key: string, entry: TimerEntry, at: number): void {
  draft.timers[key] = entry;
  draft.commands.push({ type: "set-timer", key, at });
}

/** Clears a timer the core still holds; a key that already fired or was cleared is left alone. */
export function clearTimer(draft: Draft, key: string): void {
  if (!Object.hasOwn(draft.timers, key)) return;
  delete draft.timers[key];
  draft.commands.push({ type: "clear-timer", key });
}
