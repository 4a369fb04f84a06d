/**
 * Graph helpers over `{ id, needs }`: validation, a topological order and longest paths. The plan
 * validator already rejects bad graphs; the scheduler checks again because a cycle would make a
 * run wait forever instead of failing.
 */
import { SCHEDULER_ERROR_CODES, SchedulerError } from "./errors.ts";

export interface GraphNode {
  readonly id: string;
  readonly needs: readonly string[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Throws a SchedulerError for duplicate ids, unknown needs and cycles (naming the route). */
export function validateGraph(nodes: readonly GraphNode[]): void {
  const ids = new Set<string>();
  for (const node of nodes) {
    if (ids.has(node.id)) throw new SchedulerError(SCHEDULER_ERROR_CODES.duplicateJob, `job "${node.id}" is listed twice`, { job: node.id });
    ids.add(node.id);
  }
  for (const node of nodes) {
    for (const need of node.needs) {
      if (!ids.has(need)) {
        throw new SchedulerError(SCHEDULER_ERROR_CODES.unknownNeed, `job "${node.id}" needs "${need}", which is not in the plan`, { job: node.id });
      }
    }
  }
  const cycle = findCycle(nodes);
  if (cycle !== null) {
    throw new SchedulerError(SCHEDULER_ERROR_CODES.cycle, `jobs form a cycle: ${cycle.join(" -> ")}`, { job: cycle[0] as string });
  }
}

/** Needs before dependents; among jobs free at the same time, by id. Assumes a valid graph. */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const waiting = new Map(nodes.map((n) => [n.id, new Set(n.needs).size]));
  const dependents = dependentsOf(nodes);
  const free = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (free.length > 0) {
    free.sort(byId);
    const id = free.shift() as string;
    order.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = (waiting.get(next) ?? 0) - 1;
      waiting.set(next, left);
      if (left === 0) free.push(next);
    }
  }
  return order;
}

/** Each job's dependents (jobs that need it), deduplicated, sorted by id. */
export function dependentsOf(nodes: readonly GraphNode[]): Map<string, string[]> {
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const node of nodes) {
    for (const need of new Set(node.needs)) out.get(need)?.push(node.id);
  }
  for (const list of out.values()) list.sort(byId);
  return out;
}

/**
 * The heaviest path from each job to the end of the DAG, the job's own weight included: how much
 * work at least remains once it starts. Jobs with more remaining work should start first.
 */
export function remainingPathWeights(nodes: readonly GraphNode[], weight: (id: string) => number): Record<string, number> {
  const dependents = dependentsOf(nodes);
  const out: Record<string, number> = {};
  for (const id of topologicalOrder(nodes).reverse()) {
    const after = Math.max(0, ...(dependents.get(id) ?? []).map((next) => out[next] ?? 0));
    out[id] = weight(id) + after;
  }
  return out;
}

function findCycle(nodes: readonly GraphNode[]): string[] | null {
  const needs = new Map(nodes.map((n) => [n.id, [...n.needs].sort(byId)]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "open") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "open");
    stack.push(id);
    for (const need of needs.get(id) ?? []) {
      const found = visit(need);
      if (found !== null) return found;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const id of [...needs.keys()].sort(byId)) {
    const found = visit(id);
    // Found along needs edges (dependent -> need); reverse so it reads in run order.
    if (found !== null) return found.reverse();
  }
  return null;
}
