/**
 * Errors thrown while setting a scheduler up: a job graph or options it cannot run. Once created,
 * the scheduler never throws for anything a run does; failures become job statuses.
 */
import { PipecError } from "../errors.ts";

export const SCHEDULER_ERROR_CODES = {
  duplicateJob: "SCHEDULER_DUPLICATE_JOB",
  unknownNeed: "SCHEDULER_UNKNOWN_NEED",
  cycle: "SCHEDULER_CYCLE",
  invalidCondition: "SCHEDULER_INVALID_CONDITION",
  invalidOption: "SCHEDULER_INVALID_OPTION",
} as const;

export type SchedulerErrorCode = (typeof SCHEDULER_ERROR_CODES)[keyof typeof SCHEDULER_ERROR_CODES];

export class SchedulerError extends PipecError {
  override readonly name = "SchedulerError";
  readonly code: SchedulerErrorCode;
  /** The job the problem is about, when there is one. */
  readonly job: string | null;

  constructor(code: SchedulerErrorCode, message: string, options: { job?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.job = options.job ?? null;
  }
}
