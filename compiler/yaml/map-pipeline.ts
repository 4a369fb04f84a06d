/** A valid authoring document to a `PlanInput`, recording where every plan value came from. */
import { error } from "../diagnostic.ts";
import { expandMatrix, matrixJobId, matrixJobName, type MatrixCombination, type MatrixValue } from "../matrix.ts";
import type { JobInput, PlanInput } from "../../runtime/plan/schema.ts";
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { AuthoringJob, AuthoringPipeline } from "./authoring-schema.ts";
import { durationMs, locationOf, record, recordKey, recordTree, type MapContext } from "./map-context.ts";
import { mapEnv } from "./map-env.ts";
import { mapJob, type JobExpansion } from "./map-job.ts";
import { formatPath } from "./schema-issues.ts";
import { setOwn } from "./values.ts";
import { planNotify, planTriggers } from "../delivery.ts";

export function mapPipeline(pipeline: AuthoringPipeline, context: MapContext): PlanInput {
  const plan: PlanInput = { name: pipeline.name, jobs: {}, source: { file: context.file, line: 1, column: 1 } };
  record(context, ["name"], ["name"]);
  if (pipeline.global_env !== undefined) plan.env = mapEnv(pipeline.global_env, ["env"], ["global_env"], null, context);
  if (pipeline.vars !== undefined) plan.vars = mapVars(pipeline.vars, context);
  if (pipeline.timeout !== undefined) {
    plan.timeoutMs = durationMs(pipeline.timeout, ["timeout"], context);
    record(context, ["timeoutMs"], ["timeout"]);
  }
  if (pipeline.secrets !== undefined) {
    plan.secrets = [...pipeline.secrets];
    recordTree(context, ["secrets"], ["secrets"], pipeline.secrets);
  }

  if (pipeline.on !== undefined) {
    const { pull_request, ...rest } = pipeline.on;
    plan.triggers = planTriggers({ ...rest, ...(pull_request === undefined ? {} : { pullRequest: pull_request }) });
    recordTree(context, ["triggers"], ["on"], pipeline.on);
    if (pull_request !== undefined) recordTree(context, ["triggers", "pullRequest"], ["on", "pull_request"], pull_request);
    // A single pattern or cron is item 0 of its plan list.
    for (const key of ["tag", "schedule"] as const) if (typeof pipeline.on[key] === "string") record(context, ["triggers", key, 0], ["on", key]);
  }
  if (pipeline.notify !== undefined) {
    plan.notify = planNotify(
      pipeline.notify.map((n, index) => ({
        on: n.on,
        webhook: typeof n.webhook === "string" ? n.webhook : `\${${n.webhook.secret}}`,
        timeoutMs: n.timeout === undefined ? undefined : durationMs(n.timeout, ["notify", index, "timeout"], context),
        retries: n.retries,
      })),
    );
    recordTree(context, ["notify"], ["notify"], pipeline.notify);
    pipeline.notify.forEach((n, index) => n.timeout !== undefined && record(context, ["notify", index, "timeoutMs"], ["notify", index, "timeout"]));
  }

  const expansions = new Map<string, { expansions: JobExpansion[]; keys: string[] }>();
  for (const [key, job] of Object.entries(pipeline.jobs)) expansions.set(key, expandJob(key, job, context));
  checkUniqueIds(expansions, context);
  const ids = new Map<string, string[]>();
  for (const [key, { expansions: list }] of expansions) ids.set(key, list.map((expansion) => expansion.id));
  const idsOf = (name: string) => ids.get(name);

  recordKey(context, ["jobs"], ["jobs"]);
  const jobs: Record<string, JobInput> = {};
  for (const [key, job] of Object.entries(pipeline.jobs)) {
    const { expansions: list, keys } = expansions.get(key) ?? { expansions: [], keys: [] };
    for (const expansion of list) {
      setOwn(jobs, expansion.id, mapJob({ key, job, expansion, matrixKeys: keys, defaultImage: pipeline.image, idsOf }, context));
    }
  }
  plan.jobs = jobs;
  return plan;
}

function mapVars(vars: NonNullable<AuthoringPipeline["vars"]>, context: MapContext): NonNullable<PlanInput["vars"]> {
  record(context, ["vars"], ["vars"]);
  const out: NonNullable<PlanInput["vars"]> = {};
  for (const [name, variable] of Object.entries(vars)) {
    record(context, ["vars", name], ["vars", name]);
    if (typeof variable !== "object") {
      setOwn(out, name, { default: String(variable) });
      record(context, ["vars", name, "default"], ["vars", name]);
      continue;
    }
    const entry: NonNullable<PlanInput["vars"]>[string] = {};
    if (variable.default !== undefined) entry.default = String(variable.default);
    if (variable.description !== undefined) entry.description = variable.description;
    recordTree(context, ["vars", name], ["vars", name], variable);
    setOwn(out, name, entry);
  }
  return out;
}

/** One expansion per matrix combination (in `expandMatrix` order), or the job itself. */
function expandJob(key: string, job: AuthoringJob, context: MapContext): { expansions: JobExpansion[]; keys: string[] } {
  if (job.matrix === undefined) return { expansions: [{ id: key, name: key, combination: null }], keys: [] };
  const { include, exclude, ...rest } = job.matrix;
  const axes = rest as Record<string, MatrixValue[]>;
  const axisNames = Object.keys(axes);
  (exclude ?? []).forEach((pattern, index) => {
    for (const name of Object.keys(pattern)) {
      if (axisNames.includes(name)) continue;
      const guess = didYouMean(name, axisNames);
      const message = `${formatPath(["jobs", key, "matrix", "exclude", index])}: "${name}" is not a matrix axis${guess ? `; did you mean "${guess}"?` : ""}`;
      context.diagnostics.push(error("invalid-matrix", message, context.document.key(["jobs", key, "matrix", "exclude", index, name]) ?? locationOf(context, ["jobs", key, "matrix"]), `the axes are: ${axisNames.join(", ")}`));
    }
  });
  const combinations: MatrixCombination[] = expandMatrix({ axes, include: include ?? [], exclude: exclude ?? [] });
  if (combinations.length === 0) {
    context.diagnostics.push(error("invalid-matrix", `${formatPath(["jobs", key, "matrix"])}: the matrix has no combinations`, locationOf(context, ["jobs", key, "matrix"]), "add an axis with values, or an include entry"));
  }
  const keys = [...new Set(combinations.flatMap((combination) => Object.keys(combination)))];
  const expansions = combinations.map((combination) => ({ id: matrixJobId(key, combination), name: matrixJobName(key, combination), combination }));
  return { expansions, keys };
}

/** Matrix ids are derived, so they can collide with each other or with another job's key. */
function checkUniqueIds(expansions: ReadonlyMap<string, { expansions: JobExpansion[] }>, context: MapContext): void {
  const owner = new Map<string, string>();
  for (const [key, { expansions: list }] of expansions) {
    for (const { id } of list) {
      const first = owner.get(id);
      if (first === undefined) {
        owner.set(id, key);
        continue;
      }
      const message = first === key ? `job "${key}": two matrix combinations both get the id "${id}"` : `job "${key}" gets the id "${id}", which job "${first}" already has`;
      const where = first === key ? locationOf(context, ["jobs", key, "matrix"]) : (context.document.key(["jobs", key]) ?? locationOf(context, ["jobs", key]));
      context.diagnostics.push(error("duplicate-name", message, where, "rename one of the jobs or change the matrix values"));
    }
  }
}
