/**
 * The readable part of an authoring document the schema rejected, so that the graph, expression,
 * variable, path and image checks still run in the same build (one round of diagnostics, not two).
 *
 * Each round removes what the schema rejected, where it sits: an unknown field, a bad value, an entry
 * with a bad name. A required field gets a neutral stand-in (a step's script becomes `true`, a job's
 * steps `["true"]`), so the job stays, its `depends_on` and `inputs` still count, and no check reports
 * a mistake the author did not make. List elements are replaced, never removed, so indices, and with
 * them every later message's location, stay as written. Job names that are not valid ids are kept
 * here (validation of the plan reports them once); everything else comes from the first round's issues.
 *
 * A round whose removals each leave their mapping valid by construction (an unknown field, or a bad value
 * of an optional field of the top level, a job or a step, zod having reported every issue of a mapping at
 * once) needs no parse to confirm it: the repaired document is what the parse would return (the schema
 * has no transforms; see `parseNeeded`). A file with 10,000 bad timeouts is read by the schema once, not twice.
 */
import { z } from "zod";
import type { PlanPath } from "../draft.ts";
import { AuthoringPipelineSchema, INPUT_REF, InputSchema, JobSchema, REPAIRED_HOLE, StepSchema, type AuthoringPipeline } from "./authoring-schema.ts";
import { isRecord, valueAt } from "../plain-data.ts";
import { flattenUnion } from "./schema-issues.ts";

/** The authoring schema with any job name, so a job named "test suite" still takes part in the checks, and holes in its lists. */
const AnyJobNames = AuthoringPipelineSchema.extend({
  jobs: z.record(
    z.string(),
    JobSchema.extend({
      // One union of a string and a mapping, as InputSchema: a bad mapping's own issues still point inside it.
      inputs: z.array(z.union([z.string().refine((ref) => ref === REPAIRED_HOLE || INPUT_REF.test(ref)), InputSchema.options[1]])).optional(),
    }),
  ),
});

/** Each round removes at least one value; a document needs about one round per level of nesting. */
const MAX_ROUNDS = 16;

type Issue = z.core.$ZodIssue;

/**
 * The repaired document, or null when it could not be repaired (then only the schema's diagnostics are
 * shown). `issues`, when given, are this schema's issues for `input` (the caller's parse with the strict
 * job names found the same when none of its issues is about a job name): the first round reuses them.
 * `input` is never changed: what a round changes is copied first, and only that (a file with 10,000
 * mistakes in 10,000 steps copies the steps with a mistake, not the whole document).
 */
export function repairAuthoring(input: Record<string, unknown>, issues?: readonly Issue[]): AuthoringPipeline | null {
  const copies = new WeakSet<object>();
  const candidate = copyOf(input, copies) as Record<string, unknown>;
  let known = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let found = known;
    known = undefined;
    if (found === undefined) {
      const parsed = AnyJobNames.safeParse(candidate);
      if (parsed.success) return parsed.data;
      found = parsed.error.issues;
    }
    let changed = false;
    // A union's issues are those of the branch the value's type picked: a bad element of a list, not the list.
    const flat = found.flatMap((each) => flattenUnion(each, []));
    const clean = round === 0 && issues !== undefined && flat.every((issue) => removesCleanly(issue, input)) && !parseNeeded(input);
    for (const issue of flat) {
      const path = issue.path as PlanPath;
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) changed = removeAt(candidate, [...path, key], copies) || changed;
      } else changed = removeAt(candidate, path, copies) || changed;
    }
    if (!changed) return null;
    if (clean) return candidate as AuthoringPipeline;
  }
  return null;
}

/** The object schemas a removal may leave valid by construction, by the length of the path of the mapping they check. */
const MAPPINGS = new Map<number, z.core.$ZodShape>([
  [0, AnyJobNames.shape],
  [2, AnyJobNames.shape.jobs.valueType.shape],
  [4, StepSchema.shape],
]);

/**
 * Whether removing what `issue` names leaves its mapping valid by itself, given the first round's issues
 * (every issue of each mapping, as zod reports them): an unknown field of a strict mapping, or a bad
 * value of an optional field of the top level, of a job or of a step written as a mapping, the value
 * there as written. Anything else (a stand-in, a list element, a missing field, a deeper value) is
 * confirmed by a parse.
 */
function removesCleanly(issue: Issue, input: Record<string, unknown>): boolean {
  if (issue.code === "unrecognized_keys") return true;
  const path = issue.path as PlanPath;
  const parent = path.slice(0, -1);
  const field = path[path.length - 1];
  const shape = MAPPINGS.get(parent.length);
  if (shape === undefined || typeof field !== "string") return false;
  if (parent.length > 0 && parent[0] !== "jobs") return false;
  if (parent.length === 4 && (parent[2] !== "steps" || typeof parent[3] !== "number")) return false;
  const container = valueAt(input, parent);
  return isRecord(container) && Object.hasOwn(container, field) && Object.hasOwn(shape, field) && shape[field]!._zod.def.type === "optional" && standInFor(path, container[field]) === undefined;
}

/**
 * Whether the document holds what zod's parse would return differently from the document itself: a
 * `__proto__` key (dropped from a parsed record). The other differences are the order of a mapping's
 * fields (the schema's, which the mapping to a plan reads by name) and fresh copies (which it does not change).
 */
function parseNeeded(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(parseNeeded);
  if (value === null || typeof value !== "object") return false;
  if (Object.hasOwn(value, "__proto__")) return true;
  for (const key in value) if (parseNeeded((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** A shallow copy of a list or a plain mapping (own keys such as `__proto__` stay own data), remembered as ours to change; anything else as it is. */
function copyOf(value: unknown, copies: WeakSet<object>): unknown {
  if (value === null || typeof value !== "object" || copies.has(value)) return value;
  let copy: object;
  if (Array.isArray(value)) copy = value.slice();
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) copy = Object.fromEntries(Object.entries(value));
  else return value;
  copies.add(copy);
  return copy;
}

/** The container at `path` (own properties only), each container on the way copied before it can be changed; undefined where the path leaves the data. */
function writableAt(root: Record<string, unknown>, path: PlanPath, copies: WeakSet<object>): unknown {
  let value: unknown = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) return undefined;
    const container = value as Record<string | number, unknown>;
    const inner = copyOf(container[segment], copies);
    if (inner !== container[segment]) container[segment] = inner;
    value = inner;
  }
  return value;
}

/** Removes (or stands in for) the value at `path`; false when nothing changed. */
function removeAt(root: Record<string, unknown>, path: PlanPath, copies: WeakSet<object>): boolean {
  if (path.length === 0) return false;
  const parent = writableAt(root, path.slice(0, -1), copies);
  // The path leaves the data: an earlier issue of this round already replaced what held it (a hole for a list element).
  if (!Array.isArray(parent) && !isRecord(parent)) return false;
  const leaf = path[path.length - 1]!;
  const current = (parent as Record<string | number, unknown>)[leaf];
  const standIn = standInFor(path, current);
  if (standIn !== undefined) {
    if (JSON.stringify(current) === JSON.stringify(standIn)) return removeAt(root, path.slice(0, -1), copies);
    (parent as Record<string | number, unknown>)[leaf] = standIn;
    return true;
  }
  // A list element cannot go without shifting the indices after it: the list goes as a whole.
  if (Array.isArray(parent)) return removeAt(root, path.slice(0, -1), copies);
  if (isRecord(parent) && Object.hasOwn(parent, leaf)) {
    delete parent[leaf];
    return true;
  }
  // A required field, missing as written or removed in an earlier round.
  return removeAt(root, path.slice(0, -1), copies);
}

const STEP = ["true"];

/**
 * Neutral stand-ins for required values, by path shape: they keep a job (and its needs) in the checks.
 * A matrix axis written as one value becomes a list of it, so the job keeps its expansions.
 */
function standInFor(path: PlanPath, current: unknown): unknown {
  const [top, , field, index, inner] = path;
  if (path.length === 4 && top === "jobs" && field === "matrix" && index !== "include" && index !== "exclude") {
    return typeof current === "string" || typeof current === "number" || typeof current === "boolean" ? [current] : ["value"];
  }
  if (path.length === 1 && top === "name") return "pipeline";
  if (path.length === 1 && top === "jobs") return {};
  if (top !== "jobs") return undefined;
  if (path.length === 2) return { steps: STEP };
  // An element of a job's inputs or depends_on list: a hole the mapping passes over.
  if (path.length === 4 && (field === "inputs" || field === "depends_on") && typeof index === "number") return REPAIRED_HOLE;
  if (field !== "steps") return undefined;
  if (path.length === 3) return STEP;
  if (path.length === 4 && typeof index === "number") return STEP[0];
  if (path.length === 5 && inner === "script") return STEP[0];
  return undefined;
}



