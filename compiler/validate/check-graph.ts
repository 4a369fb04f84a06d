/** Needs: every need names a job ("did you mean"), no job needs itself, and the graph has no cycle. */
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { nameSuggester, type NameSuggester } from "./near-names.ts";
import { findShortestCycles } from "./shortest-cycle.ts";

/** Reads needs (and input jobs, which are needs too) from the draft, so it works even where the schema failed. */
export function dependencyEdges(draft: Draft): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [id, job] of Object.entries(draft.plan.jobs ?? {})) {
    const needs = Array.isArray(job?.needs) ? job.needs.filter((n): n is string => typeof n === "string") : [];
    const inputs = Array.isArray(job?.inputs) ? job.inputs.map((i) => i?.job).filter((n): n is string => typeof n === "string") : [];
    edges.set(id, [...new Set([...needs, ...inputs])]);
  }
  return edges;
}

export function checkGraph(draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const edges = dependencyEdges(draft);
  // Only a broken need pays for the list of job ids.
  let known: string[] | undefined;
  let suggest: NameSuggester | undefined;
  for (const [id, job] of Object.entries(draft.plan.jobs ?? {})) {
    (Array.isArray(job?.needs) ? job.needs : []).forEach((need, index) => {
      if (typeof need !== "string" || edges.has(need)) return;
      const ids = (known ??= [...edges.keys()]);
      const guess = (suggest ??= nameSuggester(ids))(need);
      diagnostics.push(
        error(
          "unknown-need",
          `job "${id}" needs "${need}", which does not exist.${guess ? ` Did you mean "${guess}"?` : ""}`,
          draft.locate(["jobs", id, "needs", index]),
          guess ? `change it to "${guess}"` : `define a job "${need}", or remove it from needs (jobs: ${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""})`,
        ),
      );
    });
  }
  for (const cycle of findShortestCycles(edges)) {
    const [first, second] = cycle;
    const index = Array.isArray(draft.plan.jobs[first!]?.needs) ? draft.plan.jobs[first!]!.needs!.indexOf(second!) : -1;
    const where = draft.locate(index >= 0 ? ["jobs", first!, "needs", index] : ["jobs", first!]);
    const message = cycle.length === 2 ? `job "${first}" needs itself` : `jobs depend on each other in a cycle: ${cycle.join(" -> ")}`;
    diagnostics.push(error("cycle", message, where, `remove one of these needs so the jobs can run in order`));
  }
  return diagnostics;
}
