/**
 * Field labels for diagnostics, in the author's words: a plan path such as
 * `["jobs", "build", "steps", 1, "env", "FOO"]` reads `job "build": step 2 ("test"): env.FOO`.
 *
 * The scope (pipeline, job, deployment, step) comes from the plan; the field below it is spelled by
 * the front end (`FieldSpeller`: DSL option names, or YAML keys as written), and falls back to the
 * plan's own field names where the front end does not know better. Only diagnostics ask for labels:
 * a clean build never builds one.
 */
import type { PlanInput } from "../runtime/plan/schema.ts";
import type { Draft, PlanPath } from "./draft.ts";

/**
 * The author's spelling of `field`, the part of a plan path below `scope` (a job, deployment or step
 * path, or `[]` for the pipeline), or null to keep the plan's names.
 */
export type FieldSpeller = (scope: PlanPath, field: PlanPath) => PlanPath | null;

/** `job "build": retry`, `deployment "web": steps[1].setWeight`, `pipeline: env.X`; a path with no field is its scope alone. */
export function labelPath(plan: PlanInput, path: PlanPath, spell?: FieldSpeller): string {
  const { words, length } = scopeOf(plan, path);
  const field = path.slice(length);
  const spelled = field.length === 0 ? field : ((spell && spell(path.slice(0, length), field)) ?? field);
  return spelled.length === 0 ? words : `${words}: ${formatPath(spelled)}`;
}

/** The draft's label for a plan path, or the plan's own field names when its front end spells none. */
export function labelOf(draft: Pick<Draft, "plan" | "label">, path: PlanPath): string {
  return draft.label ? draft.label(path) : labelPath(draft.plan, path);
}

/** Segments as a dotted path: `env.FOO`, `steps[1].setWeight`, `outputs["my dist"]`. */
export function formatPath(path: PlanPath): string {
  return path.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `${i === 0 ? "" : "."}${segment}` : `[${JSON.stringify(segment)}]`)).join("");
}

type ScopeKind = "pipeline" | "job" | "deployment" | "step";

/** The scope a plan path starts in, its words, and how many segments of the path it covers. */
export function scopeOf(plan: PlanInput, path: PlanPath): { scope: ScopeKind; words: string; length: number } {
  const [top, id, part, index] = path;
  if (top !== "jobs" || typeof id !== "string") return { scope: "pipeline", words: "pipeline", length: 0 };
  const job = `job ${JSON.stringify(id)}`;
  if (part === "steps" && typeof index === "number") {
    const name = (plan.jobs?.[id]?.steps as readonly { name?: unknown }[] | undefined)?.[index]?.name;
    return { scope: "step", words: `${job}: step ${index + 1}${typeof name === "string" ? ` (${JSON.stringify(name)})` : ""}`, length: 4 };
  }
  if (part === "deploy") return { scope: "deployment", words: `deployment ${JSON.stringify(id)}`, length: 3 };
  return { scope: "job", words: job, length: 2 };
}
