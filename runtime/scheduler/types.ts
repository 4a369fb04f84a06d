/**
 * The scheduler core's data: the jobs it schedules, the events a shell feeds in, the commands it
 * gets back, and the state in between. All plain data except `SchedulerOptions.random`.
 */
import type { Expr, ExpressionContext } from "../plan/expression/index.ts";
import type { Approval, Retry } from "../plan/schema.ts";

export type MatrixValues = Readonly<Record<string, string | number | boolean>>;

/** What the scheduler needs to know about one plan job. */
export interface SchedulerJob {
  readonly id: string;
  readonly needs: readonly string[];
  /** The plan's `if`, parsed. Without a status function, `success() &&` is implied (GitHub's rule). */
  readonly condition: Expr;
  /** A final failure of this job does not fail the run; dependents see success() as true. */
  readonly allowFailure: boolean;
  readonly retry: Retry;
  /** Deadline of each attempt, from its start. */
  readonly timeoutMs: number;
  readonly matrix: MatrixValues;
  /** A manual job: once its condition holds it waits (holding no slot) until approved or timed out. */
  readonly approval: Approval | null;
}

export type JobStatus = "pending" | "waiting" | "ready" | "running" | "retrying" | "success" | "failed" | "timed-out" | "skipped" | "cancelled";
export type TerminalStatus = Extract<JobStatus, "success" | "failed" | "timed-out" | "skipped" | "cancelled">;
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ["success", "failed", "timed-out", "skipped", "cancelled"];

/** What the executor reports for one attempt. */
export type AttemptOutcome = "success" | "failed" | "timed-out" | "cancelled" | "infrastructure-error";
/** Why a run is cancelled from outside: Ctrl-C, or the pipeline's own deadline. */
export type CancelReason = "interrupt" | "timeout";
/** Why the run stopped starting new work. */
export type StopReason = CancelReason | "fail-fast";
export type RunStatus = "success" | "failed" | "cancelled";

export interface SchedulerOptions {
  /** Most jobs running at once; an integer ≥ 1. */
  readonly concurrency: number;
  /** Cancel the run at the first final failure of a job that is not allowed to fail. @default false */
  readonly failFast: boolean;
  /** The whole run's deadline from `start`; null for none. */
  readonly pipelineTimeoutMs: number | null;
  /** A number in [0, 1), for backoff jitter; injected so that runs can be replayed. */
  readonly random: () => number;
  /** The condition context that does not depend on the job or the run's progress. */
  readonly context: Omit<ExpressionContext, "needs" | "status" | "matrix">;
  /** Jobs that succeeded in a previous run (`pipec run --resume`): kept as success, not run again. */
  readonly previous?: Readonly<Record<string, "success">>;
  /**
   * Expected duration per job (e.g. from earlier runs), used only to order ready jobs by
   * longest remaining path. A job without an estimate weighs 1. @default {}
   */
  readonly estimatesMs?: Readonly<Record<string, number>>;
}

export type SchedulerEvent =
  | { readonly type: "start" }
  | {
      readonly type: "job-finished";
      readonly id: string;
      readonly attempt: number;
      readonly outcome: AttemptOutcome;
      readonly exitCode: number | null;
      readonly message?: string;
      /** False when trying again cannot help (an image that does not exist): no retry, whatever `retry` says. @default true */
      readonly retryable?: boolean;
      /** String outputs, readable by dependents as `needs.<id>.outputs.<name>`. */
      readonly outputs?: Readonly<Record<string, string>>;
    }
  | { readonly type: "timer"; readonly key: string }
  | { readonly type: "cancel"; readonly reason: CancelReason }
  /** `pipec approve RUN NAME` for a waiting manual job. */
  | { readonly type: "approved"; readonly id: string; readonly name: string };

export type SchedulerCommand =
  | { readonly type: "start-job"; readonly id: string; readonly attempt: number }
  | { readonly type: "stop-job"; readonly id: string; readonly attempt: number; readonly reason: "timeout" | "cancel" }
  | { readonly type: "set-timer"; readonly key: string; readonly at: number }
  | { readonly type: "clear-timer"; readonly key: string }
  | { readonly type: "job-status"; readonly id: string; readonly status: JobStatus; readonly attempt: number; readonly reason?: string }
  | { readonly type: "run-finished"; readonly status: RunStatus; readonly reason?: StopReason }
  /** A manual job waits for `pipec approve RUN name` until `timeoutAt` (null: no limit). */
  | { readonly type: "await-approval"; readonly id: string; readonly name: string; readonly timeoutAt: number | null }
  /** The wait is over. */
  | { readonly type: "approval-closed"; readonly id: string; readonly name: string; readonly outcome: "approved" | "timed-out" | "cancelled" };

export interface AttemptRecord {
  /** 1-based. */
  readonly attempt: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** As reported by the executor; null while the attempt runs. */
  readonly outcome: AttemptOutcome | null;
  readonly exitCode: number | null;
  readonly message: string | null;
}

export interface JobState {
  readonly status: JobStatus;
  readonly attempts: readonly AttemptRecord[];
  /** Why the job is in its status (skipped, failed, cancelled, retrying, resumed); null otherwise. */
  readonly reason: string | null;
  /** Set while a stop-job for the running attempt is outstanding. */
  readonly stopping: "timeout" | "cancel" | null;
  readonly outputs: Readonly<Record<string, string>>;
}

/** A timer the core asked for, by key; a timer event whose key is not here is stale and ignored. */
export type TimerEntry =
  | { readonly kind: "job-timeout"; readonly id: string; readonly attempt: number }
  | { readonly kind: "retry"; readonly id: string; readonly attempt: number }
  | { readonly kind: "pipeline-timeout" }
  | { readonly kind: "approval"; readonly id: string };

/** Computed once by createScheduler and shared by every later state. */
export interface SchedulerGraph {
  /** Jobs by descending priority, ties by id: the order ready jobs start in. */
  readonly order: readonly SchedulerJob[];
  readonly byId: Readonly<Record<string, SchedulerJob>>;
  /** Longest remaining path (estimates) from each job to the end of the DAG, itself included. */
  readonly priority: Readonly<Record<string, number>>;
}

/**
 * One moment of a run. Treat it as immutable and opaque except for reading; it holds the options
 * (with `random`), so persist job statuses (`resumableJobs`) rather than the state itself.
 */
export interface SchedulerState {
  readonly graph: SchedulerGraph;
  readonly options: SchedulerOptions;
  readonly phase: "created" | "running" | "finished";
  readonly stopReason: StopReason | null;
  /** Why the run stopped, as shown on the jobs it cancelled: `fail-fast: job "test" failed`. */
  readonly stopMessage: string | null;
  readonly status: RunStatus | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly jobs: Readonly<Record<string, JobState>>;
  readonly timers: Readonly<Record<string, TimerEntry>>;
}

export function isTerminal(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
