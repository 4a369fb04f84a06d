/**
 * The parts of an invalid draft that are valid on their own, for the semantic passes. Each job is
 * repaired as narrowly as the schema allows: a bad field is removed where it sits (`steps[0].retry.max`,
 * not the whole `steps` list), so one bad step does not hide the checks of the others, and list
 * indices stay as the author wrote them, so every later message still points at the right step.
 */
import { JobSchema, PlanSchema, type Job, type Plan } from "../../runtime/plan/schema.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { clonePlain, isRecord, valueAt } from "../plain-data.ts";

export function partialPlan(draft: Draft): Plan {
  const jobs: Record<string, Job> = {};
  for (const [id, job] of Object.entries(draft.plan.jobs ?? {})) {
    const repaired = repairJob(id, job);
    if (repaired) jobs[id] = repaired;
  }
  const top = PlanSchema.safeParse({ ...draft.plan, jobs: {} });
  const base = top.success ? top.data : PlanSchema.parse({ name: "invalid", jobs: {} });
  return { ...base, jobs };
}

/** Each round removes what the schema rejected; a removed required field shows up as missing next round. */
const MAX_ROUNDS = 8;

function repairJob(id: string, job: unknown): Job | null {
  const candidate: Record<string, unknown> = isRecord(job) ? (clonePlain(job) as Record<string, unknown>) : {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parsed = JobSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
    let changed = false;
    for (const issue of parsed.error.issues) {
      const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of paths) changed = removeAt(candidate, path as PlanPath, id) || changed;
    }
    if (!changed) return null;
  }
  return null;
}

/**
 * Removes the value at `path` from a job (a copy, mutated in place). A required field gets a
 * neutral stand-in where one is known, else its parent goes; a list element cannot go without
 * shifting the indices after it, so a list that needs that goes as a whole (the old, coarse repair).
 */
function removeAt(job: Record<string, unknown>, path: PlanPath, id: string): boolean {
  if (path.length === 0) return false;
  const [top] = path;
  if (path.length === 1) {
    if (top === "name") {
      if (job["name"] === id) return false;
      job["name"] = id;
      return true;
    }
    if (!Object.hasOwn(job, String(top))) return false;
    delete job[String(top)];
    return true;
  }
  const parent = valueAt(job, path.slice(0, -1));
  const leaf = path[path.length - 1]!;
  if (Array.isArray(parent) || typeof leaf === "number" || !isRecord(parent)) return removeAt(job, [top!], id);
  const standIn = standInFor(path);
  if (standIn !== undefined) {
    if (parent[leaf] === standIn) return removeAt(job, path.slice(0, -1), id);
    parent[leaf] = standIn;
    return true;
  }
  if (Object.hasOwn(parent, leaf)) {
    delete parent[leaf];
    return true;
  }
  // A required field: missing as written, or removed in an earlier round.
  return removeAt(job, path.slice(0, -1), id);
}

/** Stand-ins for the required fields of a step, so the other fields of the step are still checked. */
function standInFor(path: PlanPath): unknown {
  if (path.length !== 3 || path[0] !== "steps" || typeof path[1] !== "number") return undefined;
  if (path[2] === "name") return `step ${path[1] + 1}`;
  if (path[2] === "run") return "true";
  return undefined;
}



