/**
 * The run section's guard: did a timed `pipec run --json` run every job it was timed for? From the
 * events it printed (runtime/run/events.ts): the run started and finished with the expected status,
 * every expected job (and no other) started and finished with the expected status, and the job cache
 * did what the figure says: for a real run, no job was a cache hit and every job ran its steps; for a
 * fully cached re-run, every job was a hit and no step ran. Pure.
 */
import { VALID, invalid, someNames, type Verdict } from "./verdict.ts";

export interface RunExpectation {
  /** Every job of the pipeline, by name. */
  readonly jobs: readonly string[];
  /** The status of the run and of each job. @default "success" */
  readonly status?: string;
  /** "ran": every job's steps ran (no cache hit); "cached": every job was a job-cache hit, no step ran. */
  readonly cache: "ran" | "cached";
}

interface Event {
  readonly type?: unknown;
  readonly job?: unknown;
  readonly status?: unknown;
  readonly hit?: unknown;
}

/** The events of `pipec run --json` output (one JSON object per line; other lines are ignored). */
export function readEvents(stdout: string): Event[] {
  const events: Event[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) events.push(value as Event);
    } catch {
      // Not an event.
    }
  }
  return events;
}

export function guardRun(stdout: string, expected: RunExpectation): Verdict {
  const status = expected.status ?? "success";
  const events = readEvents(stdout);
  const of = (type: string) => events.filter((event) => event.type === type);
  const jobsOf = (list: readonly Event[]) => new Set(list.map((event) => String(event.job)));
  if (of("run.started").length === 0) return invalid("no run.started event: the run did not start");
  const finished = of("run.finished").at(-1);
  if (!finished) return invalid("no run.finished event: the run did not finish");
  if (finished.status !== status) return invalid(`the run ended ${String(finished.status)}, expected ${status}`);

  const wanted = new Set(expected.jobs);
  const started = jobsOf(of("job.started"));
  const notStarted = expected.jobs.filter((job) => !started.has(job));
  if (notStarted.length > 0) return invalid(`${notStarted.length} of ${wanted.size} jobs never started: ${someNames(notStarted)}`);
  const ends = new Map(of("job.finished").map((event) => [String(event.job), String(event.status)]));
  const unfinished = expected.jobs.filter((job) => !ends.has(job));
  if (unfinished.length > 0) return invalid(`${unfinished.length} of ${wanted.size} jobs never finished: ${someNames(unfinished)}`);
  const wrong = expected.jobs.filter((job) => ends.get(job) !== status);
  if (wrong.length > 0) return invalid(`${wrong.length} of ${wanted.size} jobs did not end ${status}: ${someNames(wrong.map((job) => `${job} ${ends.get(job)}`))}`);
  const extra = [...new Set([...started, ...ends.keys()])].filter((job) => !wanted.has(job));
  if (extra.length > 0) return invalid(`the run had jobs the pipeline does not: ${someNames(extra)}`);

  const hits = jobsOf(of("job.cache").filter((event) => event.hit === true));
  const stepped = jobsOf(of("step.started"));
  if (expected.cache === "ran") {
    const cached = expected.jobs.filter((job) => hits.has(job));
    if (cached.length > 0) return invalid(`${cached.length} of ${wanted.size} jobs were job-cache hits, not runs: ${someNames(cached)} (measure runs with --no-cache)`);
    const idle = expected.jobs.filter((job) => !stepped.has(job));
    if (idle.length > 0) return invalid(`${idle.length} of ${wanted.size} jobs ran no step: ${someNames(idle)}`);
    return VALID;
  }
  const missed = expected.jobs.filter((job) => !hits.has(job));
  if (missed.length > 0) return invalid(`${missed.length} of ${wanted.size} jobs were not job-cache hits: ${someNames(missed)}`);
  const ran = expected.jobs.filter((job) => stepped.has(job));
  if (ran.length > 0) return invalid(`${ran.length} of ${wanted.size} cached jobs ran steps: ${someNames(ran)}`);
  return VALID;
}
