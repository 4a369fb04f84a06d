/**
 * Reads what `pipec run --json` printed (one event per line, runtime/run/events.ts) into a timeline:
 * the run's span from the `run.started` to the `run.finished` event times, and each job's start, end
 * and duration relative to the run's start. Pure, so the arithmetic is tested without Docker.
 */
import type { Dag } from "./generate.ts";
import type { TimedDag } from "./run-dag.ts";

export interface JobTiming {
  readonly job: string;
  readonly status: string;
  /** ms after run.started: the last attempt's job.started, and job.finished. */
  readonly startMs: number;
  readonly endMs: number;
  /** job.finished's durationMs (the scheduler's own figure). */
  readonly durationMs: number;
}

export interface RunTimeline {
  readonly status: string;
  /** From the run.started to the run.finished event time. */
  readonly runMs: number;
  readonly jobs: ReadonlyMap<string, JobTiming>;
  /** run.finished's criticalPath: the chain of jobs that set the run's length, by pipec's account. */
  readonly criticalPath: readonly string[];
}

interface RawEvent {
  readonly type?: unknown;
  readonly time?: unknown;
  readonly job?: unknown;
  readonly status?: unknown;
  readonly durationMs?: unknown;
  readonly criticalPath?: unknown;
}

export class RunEventsError extends Error {}

export function parseRunEvents(stdout: string): RunTimeline {
  const events: RawEvent[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      events.push(JSON.parse(line) as RawEvent);
    } catch {
      // Not an event line.
    }
  }
  const at = (event: RawEvent): number => Date.parse(String(event.time));
  const started = events.find((event) => event.type === "run.started");
  const finished = [...events].reverse().find((event) => event.type === "run.finished");
  if (!started || !finished) throw new RunEventsError(`pipec run --json printed no ${started ? "run.finished" : "run.started"} event`);
  const origin = at(started);
  const starts = new Map<string, number>();
  const jobs = new Map<string, JobTiming>();
  for (const event of events) {
    if (typeof event.job !== "string") continue;
    if (event.type === "job.started") starts.set(event.job, at(event) - origin);
    if (event.type === "job.finished") {
      const endMs = at(event) - origin;
      jobs.set(event.job, {
        job: event.job,
        status: String(event.status),
        startMs: starts.get(event.job) ?? endMs,
        endMs,
        durationMs: typeof event.durationMs === "number" ? event.durationMs : endMs - (starts.get(event.job) ?? endMs),
      });
    }
  }
  const criticalPath = Array.isArray(finished.criticalPath) ? finished.criticalPath.map(String) : [];
  return { status: String(finished.status), runMs: at(finished) - origin, jobs, criticalPath };
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Per job, how much longer it took than its sleep: the container's cost (create, start, exec, wait, remove). */
export function jobOverheadsMs(timeline: RunTimeline, dag: TimedDag): number[] {
  return dag.jobs.flatMap((job, i) => {
    const timing = timeline.jobs.get(job.name);
    return timing ? [timing.durationMs - dag.durationsMs[i]!] : [];
  });
}

/**
 * Per job, the scheduler's delay: from the moment its last need finished (or the run started, for a
 * job without needs) to its own start. Jobs that never ran are left out.
 */
export function dispatchGapsMs(timeline: RunTimeline, dag: Dag): { readonly job: string; readonly gapMs: number }[] {
  return dag.jobs.flatMap((job) => {
    const timing = timeline.jobs.get(job.name);
    if (!timing) return [];
    const ready = job.needs.reduce((latest, need) => Math.max(latest, timeline.jobs.get(dag.jobs[need]!.name)?.endMs ?? Number.NaN), 0);
    return Number.isNaN(ready) ? [] : [{ job: job.name, gapMs: timing.startMs - ready }];
  });
}

/** The most jobs running at one moment (a job's span is [startMs, endMs)). */
export function peakConcurrency(timeline: RunTimeline): number {
  const edges = [...timeline.jobs.values()].flatMap((job) => [
    { at: job.startMs, delta: 1 },
    { at: job.endMs, delta: -1 },
  ]);
  // Ends before starts at the same instant, so back-to-back jobs do not count as overlapping.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (running += edge.delta));
  return peak;
}
