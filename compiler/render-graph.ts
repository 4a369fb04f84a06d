/** The plan's DAG as Mermaid or Graphviz DOT, for `pipec graph`. Deterministic: jobs and edges sorted. */
import type { Plan } from "../runtime/plan/schema.ts";

export type GraphFormat = "mermaid" | "dot";

export function renderGraph(plan: Plan, format: GraphFormat): string {
  const ids = Object.keys(plan.jobs).sort();
  const edges = ids.flatMap((id) => plan.jobs[id]!.needs.map((need) => [need, id] as const));
  const label = (id: string) => {
    const job = plan.jobs[id]!;
    return job.deploy ? `${job.name} (${job.deploy.strategy})` : job.name;
  };
  if (format === "dot") {
    const q = (text: string) => JSON.stringify(text);
    return [
      `digraph ${q(plan.name)} {`,
      "  rankdir=LR;",
      ...ids.map((id) => `  ${q(id)} [label=${q(label(id))}${plan.jobs[id]!.deploy ? ", shape=box" : ""}];`),
      ...edges.map(([from, to]) => `  ${q(from)} -> ${q(to)};`),
      "}",
      "",
    ].join("\n");
  }
  const node = new Map(ids.map((id, i) => [id, `j${i}`]));
  const text = (value: string) => `"${value.replace(/"/g, "#quot;")}"`;
  return [
    "flowchart LR",
    ...ids.map((id) => `  ${node.get(id)}[${text(label(id))}]`),
    ...edges.map(([from, to]) => `  ${node.get(from)} --> ${node.get(to)}`),
    "",
  ].join("\n");
}
