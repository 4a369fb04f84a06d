import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../bench/generate.ts";
import { findShortestCycles } from "../../../compiler/validate/shortest-cycle.ts";

const graph = (spec: Record<string, string[]>) => new Map(Object.entries(spec));

describe("findShortestCycles", () => {
  it.each<{ name: string; spec: Record<string, string[]>; cycles: string[][] }>([
    { name: "no cycle", spec: { a: [], b: ["a"], c: ["a", "b"] }, cycles: [] },
    { name: "a self loop", spec: { a: ["a"], b: ["a"] }, cycles: [["a", "a"]] },
    { name: "two jobs", spec: { a: ["b"], b: ["a"] }, cycles: [["a", "b", "a"]] },
    { name: "the shortest route in a component", spec: { a: ["b"], b: ["c", "a"], c: ["a"] }, cycles: [["a", "b", "a"]] },
    { name: "one cycle per component, sorted", spec: { x: ["y"], y: ["x"], b: ["c"], c: ["b"] }, cycles: [["b", "c", "b"], ["x", "y", "x"]] },
    { name: "edges to unknown nodes are ignored", spec: { a: ["nope"], b: ["b", "b"] }, cycles: [["b", "b"]] },
  ])("$name", ({ spec, cycles }) => {
    expect(findShortestCycles(graph(spec))).toEqual(cycles);
  });

  it("handles a chain of 100,000 nodes without recursion", () => {
    const edges = new Map<string, string[]>();
    for (let i = 0; i < 100_000; i++) edges.set(`j${i}`, i === 0 ? [] : [`j${i - 1}`]);
    expect(findShortestCycles(edges)).toEqual([]);
    edges.set("j0", ["j999"]);
    expect(findShortestCycles(edges).map((cycle) => cycle.length)).toEqual([1001]);
  });

  it("finds the same cycles as a brute-force search on random graphs", () => {
    const random = mulberry32(7);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 9);
      const names = Array.from({ length: n }, (_, i) => `n${i}`);
      const edges = new Map(names.map((name) => [name, names.filter(() => random() < 0.2)]));
      expect(findShortestCycles(edges), JSON.stringify([...edges])).toEqual(bruteForce(edges));
    }
  });
});

/** Components from reachability, then for each the shortest cycle through its members (first start wins). */
function bruteForce(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const names = [...edges.keys()];
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...edges.get(from)!];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...edges.get(next)!);
    }
    return seen;
  };
  const reachable = new Map(names.map((name) => [name, reach(name)]));
  const done = new Set<string>();
  const cycles: string[][] = [];
  for (const name of names) {
    if (done.has(name) || !reachable.get(name)!.has(name)) continue;
    const members = names.filter((other) => reachable.get(name)!.has(other) && reachable.get(other)!.has(name));
    members.forEach((member) => done.add(member));
    let best: string[] | null = null;
    for (const start of [...members].sort()) {
      const route = shortestBack(edges, start, new Set(members));
      if (route && (!best || route.length < best.length)) best = route;
    }
    cycles.push(best!);
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

function shortestBack(edges: ReadonlyMap<string, readonly string[]>, start: string, members: ReadonlySet<string>): string[] | null {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const next of [...new Set(edges.get(queue[i]!)!)].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const route = [start];
        for (let at: string | undefined = queue[i]; at !== undefined && at !== start; at = previous.get(at)) route.splice(1, 0, at);
        return [...route, start];
      }
      if (!previous.has(next)) {
        previous.set(next, queue[i]!);
        queue.push(next);
      }
    }
  }
  return null;
}
