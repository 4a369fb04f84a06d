/**
 * The shortest cycle in a directed graph, written as its route (`["a", "b", "a"]`), for the
 * "cycle" diagnostics of jobs and variables. Cycles are found with graphlib (Tarjan's components),
 * then the shortest route inside each component by breadth-first search.
 */
import { Graph, alg } from "@dagrejs/graphlib";

export function findShortestCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const graph = new Graph({ directed: true });
  for (const [from, tos] of edges) {
    graph.setNode(from);
    for (const to of tos) if (edges.has(to)) graph.setEdge(from, to);
  }
  const cycles: string[][] = [];
  for (const component of alg.tarjan(graph)) {
    const members = new Set(component);
    const selfLoop = component.length === 1 && graph.hasEdge(component[0]!, component[0]!);
    if (component.length < 2 && !selfLoop) continue;
    let best: string[] | null = null;
    for (const start of [...members].sort()) {
      const route = shortestRouteBack(graph, start, members);
      if (route && (!best || route.length < best.length)) best = route;
    }
    if (best) cycles.push(best);
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

function shortestRouteBack(graph: Graph, start: string, members: ReadonlySet<string>): string[] | null {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const next of [...((graph.successors(node) as string[] | undefined) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const route = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) route.splice(1, 0, at);
        return [...route, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return null;
}
