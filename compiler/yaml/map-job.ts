/** One authoring job (one matrix expansion of it) to a plan job. */
import type { MatrixCombination } from "../matrix.ts";
import type { JobInput } from "../../runtime/plan/schema.ts";
import { INPUT_REF, REPAIRED_HOLE, type AuthoringJob } from "./authoring-schema.ts";
import { durationMs, locationOf, record, recordKey, type MapContext } from "./map-context.ts";
import { addSecretEnv, mapEnv } from "./map-env.ts";
import { mapCaches, mapOutputs, mapResources, mapRetry, mapServices } from "./map-job-parts.ts";
import { mapStep } from "./map-step.ts";
import { substituteMatrix, type MatrixScope } from "./matrix-template.ts";
import { unwrapExpression } from "./values.ts";
import { planGates, planReports } from "../reports.ts";

export interface JobExpansion {
  readonly id: string;
  readonly name: string;
  readonly combination: MatrixCombination | null;
}

export interface JobRequest {
  readonly key: string;
  readonly job: AuthoringJob;
  readonly expansion: JobExpansion;
  /** Every key the job's matrix combinations have. */
  readonly matrixKeys: readonly string[];
  /** The pipeline's `image`, the fallback for jobs without one. */
  readonly defaultImage: string | undefined;
  /** The plan ids a job name stands for: all expansions of a matrix job, or undefined for an unknown name. */
  readonly idsOf: (name: string) => readonly string[] | undefined;
}

export function mapJob(request: JobRequest, context: MapContext): JobInput {
  const { key, job, expansion, idsOf } = request;
  const doc = ["jobs", key];
  const plan = ["jobs", expansion.id];
  const scope: MatrixScope = { jobKey: key, combination: expansion.combination, keys: request.matrixKeys, document: context.document, diagnostics: context.diagnostics };
  recordKey(context, plan, doc);
  recordKey(context, [...plan, "name"], doc);

  // No image is a mistake only when a step has none of its own either; validation (check-images) says so.
  const image = job.image ?? request.defaultImage;
  const imageDoc = job.image !== undefined ? [...doc, "image"] : ["image"];
  if (image !== undefined) record(context, [...plan, "image"], imageDoc);

  const out: JobInput = {
    name: expansion.name,
    image: image === undefined ? null : substituteMatrix(image, imageDoc, scope),
    steps: job.steps.map((step, index) => mapStep(step, index, plan, doc, scope, context)),
    source: context.document.key(doc) ?? locationOf(context, doc),
  };
  record(context, [...plan, "steps"], [...doc, "steps"]);
  if (expansion.combination !== null) {
    out.matrix = { ...expansion.combination };
    record(context, [...plan, "matrix"], [...doc, "matrix"]);
  }

  const needs = mapNeeds(job, plan, doc, idsOf, context);
  const inputs = mapInputs(job, plan, doc, idsOf, needs, context);
  if (needs.length > 0) out.needs = needs;
  if (inputs.length > 0) out.inputs = inputs;

  if (job.environment !== undefined || job.secrets !== undefined) {
    out.env = mapEnv(job.environment ?? {}, [...plan, "env"], [...doc, "environment"], scope, context);
    if (job.secrets !== undefined) addSecretEnv(out.env, job.secrets, [...plan, "env"], [...doc, "secrets"], context);
  }
  if (job.conditional !== undefined) {
    out.if = unwrapExpression(job.conditional);
    record(context, [...plan, "if"], [...doc, "conditional"]);
  }
  if (job.reports !== undefined) {
    out.reports = planReports(job.reports);
    record(context, [...plan, "reports"], [...doc, "reports"]);
  }
  if (job.gates !== undefined) {
    out.gates = planGates(job.gates);
    record(context, [...plan, "gates"], [...doc, "gates"]);
    job.gates.forEach((_, index) => record(context, [...plan, "gates", index], [...doc, "gates", index]));
  }
  if (job.approval !== undefined) {
    const approval = job.approval;
    out.approval = { name: approval.name ?? expansion.id };
    record(context, [...plan, "approval"], [...doc, "approval"]);
    record(context, [...plan, "approval", "name"], approval.name === undefined ? [...doc, "approval"] : [...doc, "approval", "name"]);
    if (approval.timeout !== undefined) {
      out.approval.timeoutMs = durationMs(approval.timeout, [...doc, "approval", "timeout"], context);
      record(context, [...plan, "approval", "timeoutMs"], [...doc, "approval", "timeout"]);
    }
    if (approval.on_timeout !== undefined) {
      out.approval.onTimeout = approval.on_timeout;
      record(context, [...plan, "approval", "onTimeout"], [...doc, "approval", "on_timeout"]);
    }
  }
  if (job.changes !== undefined) {
    out.if = withChanges(out.if, job.changes, [...doc, "changes"], scope);
    if (job.conditional === undefined) record(context, [...plan, "if"], [...doc, "changes"]);
  }
  if (job.timeout !== undefined) {
    out.timeoutMs = durationMs(job.timeout, [...doc, "timeout"], context);
    record(context, [...plan, "timeoutMs"], [...doc, "timeout"]);
  }
  if (job.allow_failure !== undefined) {
    out.allowFailure = job.allow_failure;
    record(context, [...plan, "allowFailure"], [...doc, "allow_failure"]);
  }
  if (job.working_directory !== undefined) {
    out.workingDirectory = job.working_directory;
    record(context, [...plan, "workingDirectory"], [...doc, "working_directory"]);
  }
  if (job.network !== undefined) {
    out.network = job.network;
    record(context, [...plan, "network"], [...doc, "network"]);
  }
  if (job.user !== undefined) {
    out.user = job.user;
    record(context, [...plan, "user"], [...doc, "user"]);
  }
  if (job.retry !== undefined) out.retry = mapRetry(job.retry, [...plan, "retry"], [...doc, "retry"], context);
  if (job.artifacts !== undefined) out.outputs = mapOutputs(job.artifacts, [...plan, "outputs"], [...doc, "artifacts"], context);
  if (job.services !== undefined) out.services = mapServices(job.services, [...plan, "services"], [...doc, "services"], context);
  if (job.cache !== undefined) out.caches = mapCaches(job.cache, [...plan, "caches"], [...doc, "cache"], context);
  if (job.cache_key !== undefined) {
    out.cacheKey = { files: [...job.cache_key.files] };
    record(context, [...plan, "cacheKey"], [...doc, "cache_key"]);
  }
  if (job.resources !== undefined) out.resources = mapResources(job.resources, [...plan, "resources"], [...doc, "resources"], context);
  return out;
}

/** `depends_on` naming a matrix job means every expansion of it; unknown names pass through for validation. */
function mapNeeds(job: AuthoringJob, plan: string[], doc: string[], idsOf: JobRequest["idsOf"], context: MapContext): string[] {
  const needs: string[] = [];
  if (job.depends_on === undefined) return needs;
  record(context, [...plan, "needs"], [...doc, "depends_on"]);
  const names = typeof job.depends_on === "string" ? [job.depends_on] : job.depends_on;
  names.forEach((name, index) => {
    if (name === REPAIRED_HOLE) return;
    const from = typeof job.depends_on === "string" ? [...doc, "depends_on"] : [...doc, "depends_on", index];
    for (const id of idsOf(name) ?? [name]) {
      record(context, [...plan, "needs", needs.length], from);
      needs.push(id);
    }
  });
  return needs;
}

/**
 * `inputs: [build.dist]` to `{ job: "build", output: "dist" }`, one per expansion of a matrix job
 * (`{ from: build.dist, optional: true }` adds `optional`).
 * Using an output also adds the need, as in the TypeScript DSL, so authors do not repeat themselves.
 */
function mapInputs(job: AuthoringJob, plan: string[], doc: string[], idsOf: JobRequest["idsOf"], needs: string[], context: MapContext) {
  const inputs: { job: string; output: string; optional?: boolean }[] = [];
  if (job.inputs === undefined) return inputs;
  // A set beside the list, so a job with thousands of inputs stays linear.
  const needed = new Set(needs);
  record(context, [...plan, "inputs"], [...doc, "inputs"]);
  job.inputs.forEach((entry, index) => {
    // (A rejected element, REPAIRED_HOLE, matches no reference: passed over.)
    const written = typeof entry === "string" ? { ref: entry, optional: undefined } : { ref: entry.from, optional: entry.optional };
    const match = INPUT_REF.exec(written.ref);
    if (!match?.[1] || !match[2]) return;
    const item = [...doc, "inputs", index];
    const from = typeof entry === "string" ? item : [...item, "from"];
    for (const id of idsOf(match[1]) ?? [match[1]]) {
      const at = [...plan, "inputs", inputs.length];
      record(context, at, item);
      record(context, [...at, "job"], from);
      record(context, [...at, "output"], from);
      if (written.optional !== undefined) record(context, [...at, "optional"], [...item, "optional"]);
      inputs.push({ job: id, output: match[2], ...(written.optional === undefined ? {} : { optional: written.optional }) });
      if (!needed.has(id)) {
        record(context, [...plan, "needs", needs.length], from);
        needs.push(id);
        needed.add(id);
      }
    }
  });
  return inputs;
}

/** `changes: [a, b]` as `changed('a', 'b')`, and-ed to the job's own condition. */
function withChanges(condition: string | undefined, changes: string | readonly string[], path: (string | number)[], scope: MatrixScope): string {
  const patterns = (typeof changes === "string" ? [changes] : changes).map((pattern, index) => substituteMatrix(pattern, typeof changes === "string" ? path : [...path, index], scope));
  const call = `changed(${patterns.map((pattern) => `'${pattern.replace(/'/g, "''")}'`).join(", ")})`;
  return condition === undefined ? call : `(${condition}) && ${call}`;
}
