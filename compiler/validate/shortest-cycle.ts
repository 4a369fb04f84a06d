/**
 * The shortest cycle in a directed graph, written as its route (`["a", "b", "a"]`), for the
 * "cycle" diagnostics of jobs and variables. Cycles are found with Tarjan's strongly connected
 * components (iterative, O(nodes + edges)); the shortest route inside each component that has a
 * cycle is then found by breadth-first search.
 */

export function findShortestCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const successors = new Map<string, string[]>();
  for (const [from, tos] of edges) {
    const unique = new Set<string>();
    for (const to of tos) if (edges.has(to)) unique.add(to);
    successors.set(from, [...unique]);
  }
  // No edge, no cycle (a file whose every need names a missing job).
  let edgeCount = 0;
  for (const tos of successors.values()) edgeCount += tos.length;
  if (edgeCount === 0) return [];
  const cycles: string[][] = [];
  for (const component of stronglyConnected(successors)) {
    const only = component[0]!;
    if (component.length < 2 && !successors.get(only)!.includes(only)) continue;
    const members = new Set(component);
    let best: string[] | null = null;
    for (const start of [...members].sort()) {
      const route = shortestRouteBack(successors, start, members);
      if (route && (!best || route.length < best.length)) best = route;
    }
    if (best) cycles.push(best);
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Tarjan's algorithm without recursion, so a chain of thousands of jobs cannot overflow the stack. */
function stronglyConnected(successors: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of successors.keys()) {
    if (index.has(root)) continue;
    const frames: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const outgoing = successors.get(frame.node)!;
      if (frame.next < outgoing.length) {
        const next = outgoing[frame.next++]!;
        if (!index.has(next)) {
          index.set(next, counter);
          lowLink.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          frames.push({ node: next, next: 0 });
        } else if (onStack.has(next)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowLink.set(parent.node, Math.min(lowLink.get(parent.node)!, lowLink.get(frame.node)!));
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

function shortestRouteBack(successors: ReadonlyMap<string, readonly string[]>, start: string, members: ReadonlySet<string>): string[] | null {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const next of [...successors.get(node)!].sort()) {
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
