/**
 * Lowers the evaluated DSL objects to a draft plan: jobs collected through needs and inputs, matrix
 * expanded with the author's functions called per expansion, references turned into job ids, every
 * job and step located at its call site.
 */
import { planGates, planReports } from "../reports.ts";
import { planNotify, planTriggers } from "../delivery.ts";
import type { NotifyOptions } from "../../dsl/pipeline.ts";
import { CALL_SITE, JOB, OUTPUT_JOB, OUTPUT_REF, SECRET, STEP, hasBrand } from "../../dsl/brand.ts";
import type { AnyJob, JobContext, MatrixInput, PerExpansion } from "../../dsl/job.ts";
import type { Pipeline } from "../../dsl/pipeline.ts";
import type { OutputRef } from "../../dsl/output.ts";
import type { StepLike, StepOptions } from "../../dsl/step.ts";
import { parseByteSize } from "../../runtime/plan/size.ts";
import type { JobInput, PlanInput, SourceLocation, StepInput } from "../../runtime/plan/schema.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { error } from "../make-diagnostic.ts";
import { pathKey, type Draft, type PlanPath } from "../draft.ts";
import { defaultStepName, joinScript } from "../step-defaults.ts";
import { expandMatrix, matrixJobId, matrixJobName, type MatrixCombination } from "../matrix.ts";
import { labelPath } from "../label.ts";
import { anchoredLocations, type Anchor } from "./anchored-locations.ts";
import type { CallSiteMapper } from "./call-sites.ts";
import { lowerDeployment } from "./lower-deployment.ts";
import { dslSpeller } from "./spell-fields.ts";
import { compact, describe, fieldPath, lowerCondition, lowerDuration, lowerEnv, lowerRetry, type Problems } from "./lower-values.ts";

/**
 * What lowering produces, as plain data that can cross from the thread the pipeline ran in: the plan,
 * the call sites of its jobs and steps, and the diagnostics with what `refine` needs to place them.
 */
export interface Lowered {
  readonly plan: PlanInput;
  readonly table: ReadonlyMap<string, SourceLocation>;
  readonly pipelineSite: SourceLocation;
  readonly diagnostics: Diagnostic[];
  /** Per diagnostic, the anchor of its location (`AnchoredLocations.anchorOf`), or undefined. */
  readonly anchors: (Anchor | undefined)[];
}

/** The draft of a lowering, its locations rebuilt (in whichever thread asks) from the data. */
export function draftOf(lowered: Lowered, root: string): Draft {
  const { plan } = lowered;
  const locations = anchoredLocations(lowered.table, lowered.pipelineSite, root);
  lowered.diagnostics.forEach((d, index) => {
    const anchor = lowered.anchors[index];
    if (anchor) (d as { location: SourceLocation | null }).location = locations.adopt(anchor);
  });
  return { plan, locate: locations.locate, refine: locations.refine, label: (path) => labelPath(plan, path, dslSpeller(plan)) };
}

/** `root` is the pipeline file's folder: locations name files relative to it, and `refine` reads them from it. */
export function lowerToData(pipeline: Pipeline, sites: CallSiteMapper, entry: string, root: string): Lowered {
  const diagnostics: Diagnostic[] = [];
  const table = new Map<string, SourceLocation>();
  const pipelineSite = sites.locate(pipeline[CALL_SITE]) ?? { file: entry, line: 1, column: 1 };
  const siteOf = (value: unknown) => sites.locate((value as Record<symbol, string[]>)[CALL_SITE]) ?? pipelineSite;
  const locations = anchoredLocations(table, pipelineSite, root);

  const jobs = collectJobs(pipeline, diagnostics, siteOf, locations.at);
  const expansions = new Map<AnyJob, string[]>();
  for (const job of jobs) expansions.set(job, combosOf(job, diagnostics, siteOf).map((combo) => (combo ? matrixJobId(job.name, combo) : job.name)));
  const idsOf = (job: AnyJob) => expansions.get(job) ?? [job.name];

  const planJobs: Record<string, JobInput> = {};
  for (const job of jobs) {
    const site = siteOf(job);
    for (const combo of combosOf(job, [], siteOf)) {
      const id = combo ? matrixJobId(job.name, combo) : job.name;
      const problems: Problems = [];
      table.set(pathKey(["jobs", id]), site);
      planJobs[id] = lowerJob(job, combo, idsOf, problems, (index, step) => {
        if (!hasBrand(step, STEP)) return site;
        // Only a step(...) call has a site of its own; a string or plain object is found from the job's call.
        const stepSite = siteOf(step);
        table.set(pathKey(["jobs", id, "steps", index]), stepSite);
        return stepSite;
      });
      planJobs[id]!.source = site;
      for (const [field, message] of problems) {
        // Named by the job, not the expansion, and a matrix step by its number: one message for all expansions.
        const scope = { name: pipeline.name, jobs: { [job.name]: combo ? { ...planJobs[id]!, steps: undefined } : planJobs[id]! } } as unknown as PlanInput;
        diagnostics.push(error("schema", problemMessage(scope, ["jobs", job.name], field, message), locations.locate(["jobs", id, ...fieldPath(field)])));
      }
    }
  }

  const problems: Problems = [];
  const options = pipeline.options;
  const plan: PlanInput = compact({
    name: pipeline.name,
    env: lowerEnv(options.env, "env", problems),
    vars: options.vars
      ? Object.fromEntries(Object.entries(options.vars).map(([name, v]) => [name, typeof v === "string" ? { default: v } : compact({ ...v })]))
      : undefined,
    timeoutMs: lowerDuration(options.timeout, "timeout", problems),
    triggers: planTriggers(options.on),
    notify: planNotify(
      Array.isArray(options.notify)
        ? options.notify.map((n: NotifyOptions, index: number) =>
            n === null || typeof n !== "object" ? n : { ...n, webhook: hasBrand(n.webhook, SECRET) ? `\${${(n.webhook as { name: string }).name}}` : n.webhook, timeout: undefined, timeoutMs: lowerDuration(n.timeout, `notify[${index}].timeout`, problems) },
          )
        : options.notify,
    ),
    jobs: planJobs,
    source: pipelineSite,
  });
  if (options.image) for (const job of Object.values(planJobs)) if (job.image == null && !job.deploy) job.image = options.image;
  for (const [field, message] of problems) diagnostics.push(error("schema", problemMessage(plan, [], field, message), locations.locate(fieldPath(field))));
  return { plan, table, pipelineSite, diagnostics, anchors: diagnostics.map((d) => locations.anchorOf(d.location)) };
}

/** A lowering problem (`steps[2].timeout: ...`, in DSL words already) with its field labelled like every diagnostic's. */
function problemMessage(plan: PlanInput, scope: PlanPath, field: string, message: string): string {
  const rest = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return `${labelPath(plan, [...scope, ...fieldPath(field)])}: ${rest}`;
}

/** The pipeline's jobs plus every job reachable through needs and inputs, in first-seen order. */
function collectJobs(
  pipeline: Pipeline,
  diagnostics: Diagnostic[],
  siteOf: (v: unknown) => SourceLocation,
  at: (site: SourceLocation, path: PlanPath) => SourceLocation,
): AnyJob[] {
  const seen = new Set<AnyJob>();
  const byName = new Map<string, AnyJob>();
  const visit = (value: unknown, where: string, location: () => SourceLocation) => {
    if (!isJob(value)) {
      diagnostics.push(error("schema", `${where}: expected a job made with job() or deploy.*(), got ${describe(value)}`, location()));
      return;
    }
    const job = value as AnyJob;
    if (seen.has(job)) return;
    const other = byName.get(job.name);
    if (other) {
      const first = siteOf(other);
      diagnostics.push(error("duplicate-name", `two different jobs are named "${job.name}" (the other is at ${first.file}:${first.line}:${first.column})`, siteOf(job), "give each job a unique name"));
      return;
    }
    seen.add(job);
    byName.set(job.name, job);
    const listed = (field: "needs" | "inputs") => listOf(job.options[field], `job "${job.name}": ${field}`, (message) => diagnostics.push(error("schema", message, at(siteOf(job), [field]))));
    listed("needs").forEach((need, index) => visit(need, `needs of job "${job.name}"`, () => at(siteOf(job), ["needs", index])));
    listed("inputs").forEach((input, index) => {
      const owner = hasBrand(input, OUTPUT_REF) ? (input as unknown as Record<symbol, unknown>)[OUTPUT_JOB] : undefined;
      const location = () => at(siteOf(job), ["inputs", index]);
      if (owner) visit(owner, `inputs of job "${job.name}"`, location);
      else diagnostics.push(error("schema", `job "${job.name}": inputs take outputs like build.outputs.dist, got ${describe(input)}`, location()));
    });
  };
  listOf(pipeline.options.jobs, "jobs", (message) => diagnostics.push(error("schema", message, siteOf(pipeline)))).forEach((job, index) => visit(job, `jobs[${index}]`, () => at(siteOf(pipeline), ["jobs", index])));
  return [...seen];
}

function combosOf(job: AnyJob, diagnostics: Diagnostic[], siteOf: (v: unknown) => SourceLocation): (MatrixCombination | null)[] {
  const matrix = job.options.matrix as MatrixInput | undefined;
  if (!matrix) return [null];
  const { include, exclude, ...axes } = matrix;
  const combos = expandMatrix({ axes: axes as Record<string, readonly string[]>, include, exclude });
  if (combos.length === 0) diagnostics.push(error("invalid-matrix", `job "${job.name}": the matrix expands to no jobs`, siteOf(job), "give every axis at least one value, or check exclude"));
  return combos;
}

function perExpansion<T>(value: PerExpansion<T, MatrixInput> | undefined, combo: MatrixCombination | null): T | undefined {
  return typeof value === "function" ? (value as (c: JobContext<MatrixInput>) => T)({ matrix: (combo ?? {}) as JobContext<MatrixInput>["matrix"] }) : value;
}

function lowerJob(
  job: AnyJob,
  combo: MatrixCombination | null,
  idsOf: (job: AnyJob) => string[],
  problems: Problems,
  locateStep: (index: number, step: StepLike) => SourceLocation,
): JobInput {
  const o = job.options;
  const env = lowerEnv(perExpansion(o.env, combo), "env", problems) ?? {};
  const listed = <T>(field: string) => listOf(o[field as keyof typeof o], field, (message) => problems.push([field, message])) as T[];
  for (const secret of listed<{ name: string }>("secrets")) env[secret.name] ??= { secret: secret.name };
  // Needs and inputs that are not lists, and inputs that are not output references, were reported while collecting jobs.
  const unlisted = (field: "needs" | "inputs") => listOf(o[field], field, () => undefined);
  const inputs = (unlisted("inputs") as OutputRef[]).filter((ref) => hasBrand(ref, OUTPUT_REF)).flatMap((ref: OutputRef) => {
    const owner = (ref as unknown as Record<symbol, AnyJob>)[OUTPUT_JOB];
    return (owner ? idsOf(owner) : [ref.job]).map((id) => ({ job: id, output: ref.output, ...(ref.optional === true ? { optional: true } : {}) }));
  });
  const needs = (unlisted("needs") as AnyJob[]).flatMap((need) => (hasBrand(need, JOB) ? idsOf(need) : []));
  const steps = (listOf(perExpansion(o.steps, combo), "steps", (message) => problems.push(["steps", message])) as StepLike[]).map((step, index) => lowerStep(step, index, locateStep(index, step), problems));
  const memory = o.resources?.memory === undefined ? undefined : parseByteSize(o.resources.memory);
  if (o.resources?.memory !== undefined && memory === undefined) problems.push(["resources.memory", `resources.memory: ${JSON.stringify(o.resources.memory)} is not a size; write bytes or text like "512m", "2g"`]);
  return compact({
    name: combo ? matrixJobName(job.name, combo) : job.name,
    matrix: combo ? { ...combo } : undefined,
    needs,
    if: lowerCondition(perExpansion(o.if, combo)),
    image: perExpansion(o.image, combo),
    env,
    steps,
    services: o.services === undefined ? undefined : listed<NonNullable<typeof o.services>[number]>("services").map((s) => compact({ name: s.name, image: s.image, command: s.command ? [...s.command] : undefined, env: lowerEnv(s.env, `services.${s.name}.env`, problems), readyCommand: s.readyCommand ? [...s.readyCommand] : undefined })),
    caches: o.caches === undefined ? undefined : listed<NonNullable<typeof o.caches>[number]>("caches").map((c) => compact({ key: c.key.map((part) => (typeof part === "string" ? { value: part } : { files: [...part.files] })), paths: [...c.paths], policy: c.policy })),
    cacheKey: o.cacheKey === undefined ? undefined : { files: [...o.cacheKey.files] },
    inputs,
    outputs: o.outputs
      ? Object.fromEntries(Object.entries(o.outputs).map(([name, out]) => [name, compact({ paths: [...out.paths], exclude: out.exclude ? [...out.exclude] : undefined, optional: out.optional, expireInMs: lowerDuration(out.expireIn, `outputs.${name}.expireIn`, problems) })]))
      : undefined,
    timeoutMs: lowerDuration(o.timeout, "timeout", problems),
    retry: lowerRetry(o.retry, "retry", problems),
    allowFailure: o.allowFailure,
    workingDirectory: o.workingDirectory,
    resources: o.resources ? compact({ cpus: o.resources.cpus, memoryBytes: memory, pids: o.resources.pids }) : undefined,
    network: o.network,
    user: o.user,
    reports: planReports(o.reports),
    gates: planGates(o.gates),
    approval: o.approval === undefined || o.approval === null || typeof o.approval !== "object" ? (o.approval as undefined) : compact({ name: o.approval.name ?? (combo ? matrixJobId(job.name, combo) : job.name), timeoutMs: lowerDuration(o.approval.timeout, "approval.timeout", problems), onTimeout: o.approval.onTimeout }),
    deploy: job.deployment ? lowerDeployment(job.deployment, job.name, problems) : undefined,
  });
}

/** A job made with job() or deploy.*(): the brand alone could be forged on any object. */
function isJob(value: unknown): value is AnyJob {
  return hasBrand(value, JOB) && typeof (value as AnyJob).name === "string" && typeof (value as AnyJob).options === "object" && (value as AnyJob).options !== null;
}

/** A list the author wrote, or no list (reported through `report`) when it is something else. */
function listOf(value: unknown, field: string, report: (message: string) => void): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  report(`${field}: expected a list [ ... ], got ${describe(value)}`);
  return [];
}

function lowerStep(step: StepLike, index: number, source: SourceLocation, problems: Problems): StepInput {
  if (typeof step === "string") return { name: defaultStepName(step, index), run: joinScript(step), source };
  if (!hasBrand(step, STEP) && (typeof step !== "object" || step === null)) {
    problems.push([`steps[${index}]`, `steps[${index}]: expected a script string or step(...), got ${describe(step)}`]);
    return { name: `step-${index + 1}`, run: "true", source };
  }
  const s = step as StepOptions;
  const run = joinScript(Array.isArray(s.run) ? s.run : String(s.run ?? ""));
  return compact({
    name: s.name ?? defaultStepName(run, index),
    run,
    image: s.image,
    env: lowerEnv(s.env, `steps[${index}].env`, problems),
    if: lowerCondition(s.if),
    timeoutMs: lowerDuration(s.timeout, `steps[${index}].timeout`, problems),
    retry: lowerRetry(s.retry, `steps[${index}].retry`, problems),
    continueOnFailure: s.continueOnFailure,
    workingDirectory: s.workingDirectory,
    source,
  });
}
