/** Read-only views of a scheduler state for the end-of-run summary and for `--resume`. */
import { criticalPath, type CriticalPath } from "./critical-path.ts";
import type { SchedulerState } from "./types.ts";

/**
 * Wall time per job from its first attempt's start to its last attempt's end, backoff waits
 * included; jobs that never ran (skipped, cancelled before starting, resumed) are left out.
 */
export function jobDurations(state: SchedulerState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const job of state.graph.order) {
    const attempts = state.jobs[job.id]?.attempts ?? [];
    const first = attempts[0];
    const last = attempts[attempts.length - 1];
    if (first === undefined || last === undefined || last.endedAt === null) continue;
    out[job.id] = last.endedAt - first.startedAt;
  }
  return out;
}

/** The run's critical path by measured durations. */
export function runCriticalPath(state: SchedulerState): CriticalPath {
  return criticalPath(state.graph.order, jobDurations(state));
}

/** The `previous` option for resuming this run: every job that succeeded (now or before). */
export function resumableJobs(state: SchedulerState): Record<string, "success"> {
  const out: Record<string, "success"> = {};
  for (const job of state.graph.order) if (state.jobs[job.id]?.status === "success") out[job.id] = "success";
  return out;
}
