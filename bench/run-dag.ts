/**
 * Pipelines for the `pipec run` benchmark and the arithmetic that says how fast a DAG can finish: its
 * critical path (the longest chain of job durations: no scheduler can beat it) and the time a wave
 * scheduler takes (stage after stage, each waiting for its slowest job, as GitLab's stages do). Pure.
 */
import type { Dag, DagJob } from "./generate.ts";

/** A DAG whose jobs sleep: `durationsMs[i]` is job i's sleep, and its only step is `sleep <seconds>`. */
export interface TimedDag extends Dag {
  readonly durationsMs: readonly number[];
}

export interface TimedJobSpec {
  readonly name: string;
  readonly seconds: number;
  /** Names of jobs listed before this one. */
  readonly needs?: readonly string[];
}

/**
 * The scheduling case. Chains a→b→e (6.0 s, 3 jobs), a→c→d→e (4.5 s, 4 jobs) and a→c→f→g→e (4.5 s,
 * 5 jobs): the critical path is a→b→e, and the other chains have 1.5 s of slack, enough for their one
 * or two extra containers, so it stays critical when every job costs some hundreds of ms more than its
 * sleep. By topological level the waves are {a} {b,c} {d,f} {g} {e}: 0.5 + 5 + 3 + 2.5 + 0.5 = 11.5 s,
 * almost twice the critical path, because the long b holds up the d/f wave and g waits for a wave of its own.
 */
export const SCHEDULING_JOBS: readonly TimedJobSpec[] = [
  { name: "a", seconds: 0.5 },
  { name: "b", seconds: 5, needs: ["a"] },
  { name: "c", seconds: 0.5, needs: ["a"] },
  { name: "d", seconds: 3, needs: ["c"] },
  { name: "f", seconds: 0.5, needs: ["c"] },
  { name: "g", seconds: 2.5, needs: ["f"] },
  { name: "e", seconds: 0.5, needs: ["b", "d", "g"] },
];

/** n independent jobs `j0`..`j<n-1>`, each running `true`. */
export function noopDag(n: number, name = `noop-${n}`): Dag {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`noopDag: n must be a positive integer, got ${n}`);
  const jobs: DagJob[] = Array.from({ length: n }, (_, i) => ({ name: `j${i}`, needs: [], scripts: ["true"] }));
  return { name, jobs, edges: 0 };
}

/** n independent jobs that each sleep `seconds`. */
export function sleepersDag(n: number, seconds: number, name = `sleep-${n}`): TimedDag {
  return timedDag(name, Array.from({ length: n }, (_, i) => ({ name: `s${i}`, seconds })));
}

/** A DAG from job specs in an order where every job comes after its needs. */
export function timedDag(name: string, specs: readonly TimedJobSpec[]): TimedDag {
  const index = new Map<string, number>();
  const jobs: DagJob[] = [];
  let edges = 0;
  specs.forEach((spec, i) => {
    if (index.has(spec.name)) throw new RangeError(`timedDag: job "${spec.name}" is listed twice`);
    if (!(spec.seconds >= 0)) throw new RangeError(`timedDag: job "${spec.name}" sleeps ${spec.seconds} s`);
    const needs = (spec.needs ?? []).map((need) => {
      const at = index.get(need);
      if (at === undefined) throw new RangeError(`timedDag: job "${spec.name}" needs "${need}", which is not listed before it`);
      return at;
    });
    index.set(spec.name, i);
    edges += needs.length;
    jobs.push({ name: spec.name, needs: [...new Set(needs)].sort((a, b) => a - b), scripts: [`sleep ${spec.seconds}`] });
  });
  return { name, jobs, edges, durationsMs: specs.map((spec) => Math.round(spec.seconds * 1000)) };
}

/** Each job's level: 0 without needs, else one more than its deepest need (the wave a stage scheduler puts it in). */
export function levels(dag: Dag): number[] {
  const out: number[] = [];
  dag.jobs.forEach((job, i) => {
    for (const need of job.needs) if (!(need >= 0 && need < i)) throw new RangeError(`job "${job.name}" needs index ${need}, which is not before it`);
    out.push(job.needs.reduce((level, need) => Math.max(level, out[need]! + 1), 0));
  });
  return out;
}

export interface Chain {
  /** Job names from first to last. */
  readonly jobs: readonly string[];
  readonly ms: number;
}

/** The longest chain when job i takes `durationsMs[i]` (its sleep by default; measured times work too). Ties go to the chain found first. */
export function criticalPath(dag: Dag, durationsMs: readonly number[]): Chain {
  levels(dag); // validates that needs point backwards
  checkDurations(dag, durationsMs);
  if (dag.jobs.length === 0) return { jobs: [], ms: 0 };
  const finish: number[] = [];
  const via: (number | null)[] = [];
  dag.jobs.forEach((job, i) => {
    let start = 0;
    let from: number | null = null;
    for (const need of job.needs) if (finish[need]! > start) [start, from] = [finish[need]!, need];
    finish.push(start + durationsMs[i]!);
    via.push(from);
  });
  const last = finish.reduce((best, ms, i) => (ms > finish[best]! ? i : best), 0);
  const jobs: string[] = [];
  for (let at: number | null = last; at !== null; at = via[at]!) jobs.unshift(dag.jobs[at]!.name);
  return { jobs, ms: finish[last]! };
}

export interface Wave {
  readonly jobs: readonly string[];
  /** The wave's slowest job. */
  readonly ms: number;
}

/** A wave scheduler's time: the sum over levels of each level's slowest job. */
export function waveTime(dag: Dag, durationsMs: readonly number[]): { readonly waves: readonly Wave[]; readonly ms: number } {
  checkDurations(dag, durationsMs);
  const byLevel: { jobs: string[]; ms: number }[] = [];
  levels(dag).forEach((level, i) => {
    const wave = (byLevel[level] ??= { jobs: [], ms: 0 });
    wave.jobs.push(dag.jobs[i]!.name);
    wave.ms = Math.max(wave.ms, durationsMs[i]!);
  });
  return { waves: byLevel, ms: byLevel.reduce((sum, wave) => sum + wave.ms, 0) };
}

function checkDurations(dag: Dag, durationsMs: readonly number[]): void {
  if (durationsMs.length !== dag.jobs.length) throw new RangeError(`${durationsMs.length} durations for ${dag.jobs.length} jobs`);
}
