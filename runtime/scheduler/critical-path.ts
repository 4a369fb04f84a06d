/**
 * The critical path of a DAG: the chain of jobs with the largest total duration. With unlimited
 * concurrency no schedule can finish faster than its total, so the end-of-run summary names it as
 * the place where speeding a job up shortens the run.
 */
import { topologicalOrder, validateGraph, type GraphNode } from "./graph.ts";

export interface CriticalPath {
  /** Job ids from the first job of the chain to the last. Empty for an empty graph. */
  readonly path: readonly string[];
  readonly totalMs: number;
}

/**
 * Durations missing from `durations` count as 0 (e.g. skipped jobs). Among equally long chains
 * the one ending at, then passing through, the smallest job ids wins, so the answer is stable.
 */
export function criticalPath(jobs: readonly GraphNode[], durations: Readonly<Record<string, number>>): CriticalPath {
  validateGraph(jobs);
  const needs = new Map(jobs.map((j) => [j.id, j.needs]));
  const duration = (id: string): number => (Object.hasOwn(durations, id) ? (durations[id] as number) : 0);
  const best = new Map<string, { total: number; previous: string | null }>();
  for (const id of topologicalOrder(jobs)) {
    let previous: string | null = null;
    let before = 0;
    for (const need of [...(needs.get(id) ?? [])].sort()) {
      const total = best.get(need)?.total ?? 0;
      if (previous === null || total > before) {
        previous = need;
        before = total;
      }
    }
    best.set(id, { total: before + duration(id), previous });
  }
  let end: string | null = null;
  for (const id of [...best.keys()].sort()) {
    if (end === null || (best.get(id)?.total ?? 0) > (best.get(end)?.total ?? 0)) end = id;
  }
  if (end === null) return { path: [], totalMs: 0 };
  const path: string[] = [];
  for (let id: string | null = end; id !== null; id = best.get(id)?.previous ?? null) path.unshift(id);
  return { path, totalMs: best.get(end)?.total ?? 0 };
}
