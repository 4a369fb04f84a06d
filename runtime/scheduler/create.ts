/** The initial scheduler state: every job pending, nothing asked of the shell yet. */
import { SCHEDULER_ERROR_CODES, SchedulerError } from "./errors.ts";
import { remainingPathWeights, validateGraph } from "./graph.ts";
import type { JobState, SchedulerGraph, SchedulerJob, SchedulerOptions, SchedulerState } from "./types.ts";

const PENDING: JobState = { status: "pending", attempts: [], reason: null, stopping: null, outputs: {} };

/**
 * Validates the graph and the options (throwing a SchedulerError) and returns the state to feed
 * `{ type: "start" }` to. Ready jobs start by longest remaining path first (the sum of estimates
 * along the heaviest chain of dependents, the job included), ties by id: starting the critical
 * chain early is what shortens a run when slots are scarce.
 */
export function createScheduler(jobs: readonly SchedulerJob[], options: SchedulerOptions): SchedulerState {
  validateOptions(options);
  validateGraph(jobs);
  const estimates = options.estimatesMs ?? {};
  const priority = remainingPathWeights(jobs, (id) => (Object.hasOwn(estimates, id) ? (estimates[id] as number) : 1));
  const order = [...jobs].sort((a, b) => (priority[b.id] ?? 0) - (priority[a.id] ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const graph: SchedulerGraph = { order, byId: Object.fromEntries(jobs.map((job) => [job.id, job])), priority };
  return {
    graph,
    options,
    phase: "created",
    stopReason: null,
    stopMessage: null,
    status: null,
    startedAt: null,
    finishedAt: null,
    jobs: Object.fromEntries(jobs.map((job) => [job.id, PENDING])),
    timers: {},
  };
}

function validateOptions(options: SchedulerOptions): void {
  const invalid = (message: string): never => {
    throw new SchedulerError(SCHEDULER_ERROR_CODES.invalidOption, message);
  };
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    invalid(`concurrency must be a whole number of at least 1, got ${options.concurrency}`);
  }
  const timeout = options.pipelineTimeoutMs;
  if (timeout !== null && (!Number.isFinite(timeout) || timeout < 0)) {
    invalid(`the pipeline timeout must be a number of milliseconds ≥ 0 or null, got ${timeout}`);
  }
  for (const [id, ms] of Object.entries(options.estimatesMs ?? {})) {
    if (!Number.isFinite(ms) || ms < 0) invalid(`the duration estimate of job "${id}" must be ≥ 0 ms, got ${ms}`);
  }
}
