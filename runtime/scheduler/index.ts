/**
 * The scheduler core: a pure, event-driven DAG scheduler. `createScheduler` builds the initial
 * state, `advance(state, event, now)` returns the next state and the commands for a shell to run.
 * No I/O, no timers, no clock: time comes in with each event.
 */
export { advance, type AdvanceResult } from "./advance.ts";
export { createScheduler } from "./create.ts";
export { criticalPath, type CriticalPath } from "./critical-path.ts";
export { SCHEDULER_ERROR_CODES, SchedulerError, type SchedulerErrorCode } from "./errors.ts";
export { schedulerJobsFromPlan } from "./from-plan.ts";
export { backoffDelayMs } from "./retry-policy.ts";
export { jobDurations, resumableJobs, runCriticalPath } from "./summary.ts";
export {
  TERMINAL_STATUSES,
  isTerminal,
  type AttemptOutcome,
  type AttemptRecord,
  type CancelReason,
  type JobState,
  type JobStatus,
  type MatrixValues,
  type RunStatus,
  type SchedulerCommand,
  type SchedulerEvent,
  type SchedulerGraph,
  type SchedulerJob,
  type SchedulerOptions,
  type SchedulerState,
  type StopReason,
  type TerminalStatus,
  type TimerEntry,
} from "./types.ts";
