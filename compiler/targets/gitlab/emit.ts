/**
 * The GitLab CI emitter: a pure function of the canonical plan and the profile to `.gitlab-ci.yml`.
 * One GitLab job per plan job, stages by DAG depth (every need points backward), `needs` for the
 * edges, conditions as `when` + `rules:if`. A job's steps become one script that runs each step with
 * `sh -e -c` (as pipec does) and tracks failures, so continueOnFailure and `failure()`/`always()`
 * steps keep pipec's meaning. Outputs move as tar files, so a consumer unpacks only what it takes.
 */
import { formatDuration } from "../../../runtime/plan/duration.ts";
import type { EnvValue, Job, Plan } from "../../../runtime/plan/schema.ts";
import { bindStatic, foldConstants, parseCondition, withImpliedSuccess } from "../common/condition.ts";
import { jobWhere, TargetDiagnostics, type Where } from "../common/diagnostics.ts";
import { envPrelude, isNativeLiteral, type EnvLayer } from "../common/env-prelude.ts";
import { engineIds, gitlabJobId } from "../common/names.ts";
import { packScript, tarPath, unpackScript } from "../common/pack.ts";
import { checkJob, checkPlan, stepWhere } from "../common/shared-checks.ts";
import { packableOutputs, stepBlock, stepBody } from "../common/step-script.ts";
import { printEngineYaml } from "../common/yaml.ts";
import type { EmitOptions, EmitResult } from "../types.ts";
import { lowerCondition, type GitlabWhen } from "./rules.ts";
import { workflowRules } from "./workflow-rules.ts";

type Doc = Record<string, unknown>;

/** GitLab's schema: `retry.max` is at most 2. */
const RETRY_MAX = 2;

const RETRY_WHEN: Readonly<Record<string, readonly string[]>> = {
  "exit-code": ["script_failure"],
  timeout: ["job_execution_timeout", "stuck_or_timeout_failure"],
  infrastructure: ["runner_system_failure", "api_failure", "scheduler_failure", "data_integrity_failure", "unknown_failure"],
};

interface Existence {
  readonly when: GitlabWhen;
  /** The rules:if under which the job exists in the pipeline; null: always. */
  readonly rule: string | null;
}

export function emitGitlab(plan: Plan, options: EmitOptions): EmitResult {
  const diagnostics = new TargetDiagnostics("gitlab");
  checkPlan(plan, diagnostics);
  if (plan.secrets.length > 0) {
    diagnostics.approximated({ job: null, location: plan.source }, "secrets", `${plan.secrets.join(", ")} come from CI/CD variables, which reach every job of the project, not only the jobs that name them`, "protect the variables, or provide them through GitLab's secrets: integration");
  }
  const workflow = workflowRules(plan, diagnostics);
  const ids = engineIds(plan, gitlabJobId, diagnostics);
  const refused = new Set([...ids.keys()].filter((id) => checkJob(plan, id, diagnostics)));
  const existence = existenceOf(plan, ids, diagnostics);
  const depth = depths(plan);
  const jobs: Doc = {};
  for (const [id, engineId] of ids) {
    if (refused.has(id)) continue;
    jobs[engineId] = emitJob(plan, id, ids, existence, depth.get(id)!, options, diagnostics);
  }
  if (diagnostics.failed) return { files: [], diagnostics: diagnostics.list };
  const stages = [...new Set([...depth.values()])].sort((a, b) => a - b).map(stageName);
  const document: Doc = { ...(workflow === null ? {} : { workflow }), stages, variables: pipelineVariables(plan), ...jobs };
  return { files: [{ path: ".gitlab-ci.yml", content: printEngineYaml(document, "gitlab", { version: options.pipecVersion, digest: plan.digest ?? "" }) }], diagnostics: diagnostics.list };
}

const stageName = (depth: number) => `stage-${depth}`;

function depths(plan: Plan): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const value = Math.max(-1, ...plan.jobs[id]!.needs.filter((need) => plan.jobs[need]).map(visit)) + 1;
    depth.set(id, value);
    return value;
  };
  for (const id of Object.keys(plan.jobs)) visit(id);
  return depth;
}

/**
 * When each job exists. A job whose rule is false vanishes from a GitLab pipeline, where pipec
 * would mark it skipped and skip its on_success dependents too: so an on_success job carries the
 * rules of its needs, and needs that may vanish are `optional`.
 */
function existenceOf(plan: Plan, ids: ReadonlyMap<string, string>, diagnostics: TargetDiagnostics): Map<string, Existence> {
  const out = new Map<string, Existence>();
  // Most jobs share a few conditions ("success()"); a job without a matrix lowers its text once.
  const lowerings = new Map<string, ReturnType<typeof lowerCondition>>();
  const lower = (text: string, matrix: Job["matrix"]) => {
    const cached = matrix === null ? lowerings.get(text) : undefined;
    if (cached) return cached;
    const lowered = lowerCondition(withImpliedSuccess(foldConstants(bindStatic(parseCondition(text), plan, matrix))));
    if (matrix === null) lowerings.set(text, lowered);
    return lowered;
  };
  const visit = (id: string): Existence => {
    const known = out.get(id);
    if (known) return known;
    const job = plan.jobs[id]!;
    const lowered = lower(job.if, job.matrix);
    let result: Existence;
    if (!lowered.ok) {
      diagnostics.unsupported(jobWhere(plan, id), "if", lowered.message, "decide on vars, git.branch or git.tag compared with text, with one of success(), failure() or always()");
      result = { when: "on_success", rule: null };
    } else {
      const rules = lowered.rule === null ? [] : [lowered.rule];
      if (lowered.when === "on_success") for (const need of job.needs) if (ids.has(need)) {
        const inherited = visit(need).rule;
        if (inherited !== null) rules.push(inherited);
      }
      const unique = [...new Set(rules)];
      result = { when: lowered.when, rule: unique.includes("false") ? "false" : unique.length === 0 ? null : unique.map((r) => (unique.length > 1 && / \|\| /.test(r) && !r.startsWith("(") ? `(${r})` : r)).join(" && ") };
    }
    out.set(id, result);
    return result;
  };
  for (const id of ids.keys()) visit(id);
  return out;
}

function pipelineVariables(plan: Plan): Doc {
  const variables: Doc = {
    PIPEC: "true",
    PIPEC_PIPELINE: plan.name,
    PIPEC_RUN_ID: "$CI_PIPELINE_ID",
    PIPEC_GIT_SHA: "$CI_COMMIT_SHA",
    PIPEC_GIT_BRANCH: "$CI_COMMIT_BRANCH",
    PIPEC_GIT_TAG: "$CI_COMMIT_TAG",
    PIPEC_WORKSPACE: "$CI_PROJECT_DIR",
  };
  for (const [name, v] of Object.entries(plan.vars)) variables[name] = { value: v.default ?? "", ...(v.description === null ? {} : { description: v.description }) };
  Object.assign(variables, nativeVariables(secretsAsTemplates(plan.env), new Set()));
  // GitLab sets CI=true itself and warns when a file overrides its predefined variables.
  if (variables.CI === "true") delete variables.CI;
  return variables;
}

/** A GitLab secret is a CI/CD variable of its name: `{secret: S}` reads as `${S}`. */
function secretsAsTemplates(layer: EnvLayer): EnvLayer {
  const out: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(layer)) out[name] = typeof value === "object" ? `\${${value.secret}}` : value;
  return out;
}

function nativeVariables(layer: EnvLayer, notNative: ReadonlySet<string>): Doc {
  const out: Doc = {};
  for (const name of Object.keys(layer).sort()) {
    const value = layer[name]!;
    if (!notNative.has(name) && isNativeLiteral(value)) out[name] = value;
  }
  return out;
}

function emitJob(plan: Plan, id: string, ids: ReadonlyMap<string, string>, existence: ReadonlyMap<string, Existence>, depth: number, options: EmitOptions, diagnostics: TargetDiagnostics): Doc {
  const job = plan.jobs[id]!;
  const where = jobWhere(plan, id);
  const own = existence.get(id)!;
  const jobEnv = secretsAsTemplates(job.env);
  const jobPrelude = envPrelude([secretsAsTemplates(plan.env), jobEnv], 2);
  const takes = new Set(job.inputs.map((input) => input.job));
  const needs = job.needs
    .filter((need) => ids.has(need))
    .map((need) => {
      const optional = existence.get(need)?.rule !== null;
      const base = { job: ids.get(need)!, artifacts: takes.has(need) };
      return optional ? { ...base, optional: true } : base;
    });
  if (own.when !== "on_success") {
    // gitlab-ci-local (as GitLab) does not start a job whose need was skipped, whatever its `when`.
    const skippable = job.needs.filter((need) => {
      const theirs = existence.get(need);
      return theirs !== undefined && (theirs.when === "on_failure" || (theirs.when === "on_success" && plan.jobs[need]!.needs.length > 0));
    });
    if (skippable.length > 0) {
      diagnostics.approximated(
        where,
        "if",
        `when: ${own.when} does not start the job when a job it needs was skipped (${skippable.join(", ")} may be); pipec runs it`,
        "make it need jobs that always run, or accept that it does not run after a skipped need",
      );
    }
  }
  if (job.image !== null && /\$\{[A-Za-z_][A-Za-z0-9_]*:[-+]/.test(job.image)) {
    diagnostics.unsupported(where, "image template", `the image ${JSON.stringify(job.image)} uses a default or alternative, which GitLab does not expand`, "write the image literally, or with plain ${VAR} references");
  }
  const when = manualWhen(job, own.when, where, diagnostics);
  return {
    stage: stageName(depth),
    ...(job.image === null ? {} : { image: job.image }),
    needs,
    ...(own.rule === null ? (when === "on_success" ? {} : { when }) : { rules: [own.rule === "false" ? { when: "never" } : { if: own.rule, when }] }),
    variables: { PIPEC_JOB: id, PIPEC_JOB_NAME: job.name, ...nativeVariables(jobEnv, jobPrelude.notNative[1]!) },
    ...services(job, where, diagnostics),
    ...caches(job, where, diagnostics),
    script: script(plan, id, job, ids, diagnostics),
    ...artifacts(job, ids.get(id)!, where, diagnostics),
    timeout: formatDuration(job.timeoutMs),
    ...retry(job, where, diagnostics),
    // A manual job is blocking (its dependents wait for it) only with allow_failure: false.
    ...(job.allowFailure ? { allow_failure: true } : job.approval === null ? {} : { allow_failure: false }),
    ...(options.profile.gitlab.tags.length === 0 ? {} : { tags: options.profile.gitlab.tags }),
  };
}

/** A manual job is `when: manual`, which takes the place of on_success; after a failure (on_failure, always) it cannot be. */
function manualWhen(job: Job, when: GitlabWhen, where: Where, diagnostics: TargetDiagnostics): GitlabWhen | "manual" {
  const approval = job.approval;
  if (approval === null) return when;
  if (when !== "on_success") {
    diagnostics.unsupported(where, "approval", `a manual job runs when: manual, which cannot also be when: ${when}`, "give the approval to a job that runs on success");
    return when;
  }
  if (approval.timeoutMs !== null) diagnostics.approximated(where, "approval timeout", `a manual job waits until someone runs it: GitLab has no approval timeout (${formatDuration(approval.timeoutMs)}, onTimeout: ${approval.onTimeout} is not kept)`, "drop the timeout, or accept the wait");
  return "manual";
}

/** One script: inputs unpacked, each step in `sh -e -c` with its prelude, failures tracked, outputs packed. */
function script(plan: Plan, id: string, job: Job, ids: ReadonlyMap<string, string>, diagnostics: TargetDiagnostics): string[] {
  const lines: string[] = [];
  if (job.inputs.length > 0) lines.push(unpackScript(job.inputs.map((input) => ({ file: tarPath(ids.get(input.job) ?? input.job, input.output), input: `${input.job}.${input.output}`, optional: input.optional }))).trimEnd());
  lines.push("pipec_status=0");
  job.steps.forEach((step, index) => {
    const where = stepWhere(id, job, step);
    const prelude = envPrelude([secretsAsTemplates(plan.env), secretsAsTemplates(job.env), secretsAsTemplates(step.env)], 2);
    const body = stepBody(prelude.lines, job, step);
    const gate = stepGate(plan, job, step.if, where, diagnostics);
    if (step.timeoutMs !== null) diagnostics.approximated(where, "step timeout", `step "${step.name}" has no timeout of its own on GitLab; the job's timeout applies`);
    if (step.retry !== null && step.retry.max > 0) diagnostics.approximated(where, "step retry", `step "${step.name}" is not retried: GitLab retries whole jobs`, "retry the job instead");
    lines.push(stepBlock(index, step, body, gate));
  });
  const outputs = packableOutputs(plan, id, diagnostics);
  if (outputs.length > 0) lines.push(`if [ "$pipec_status" = 0 ]; then\n${outputs.map(([name, output]) => packScript(ids.get(id) ?? id, name, output)).join("")}fi`);
  lines.push('exit "$pipec_status"');
  return lines;
}

/** The shell test deciding a step: status-only conditions (pipec's step semantics), anything else refused. */
function stepGate(plan: Plan, job: Job, condition: string | null, where: Where, diagnostics: TargetDiagnostics): string {
  const ok = '[ "$pipec_status" = 0 ]';
  if (condition === null) return ok;
  const lowered = lowerCondition(withImpliedSuccess(foldConstants(bindStatic(parseCondition(condition), plan, job.matrix))));
  if (!lowered.ok || lowered.rule !== null) {
    diagnostics.unsupported(where, "step if", lowered.ok ? `${condition}: a step condition on GitLab can only be success(), failure() or always()` : lowered.message, "make the step a job of its own with that condition");
    return ok;
  }
  return lowered.when === "always" ? "true" : lowered.when === "on_failure" ? '[ "$pipec_status" != 0 ]' : ok;
}

function artifacts(job: Job, engineId: string, where: Where, diagnostics: TargetDiagnostics): Doc {
  const names = Object.keys(job.outputs);
  if (names.length === 0) return {};
  const expiries = [...new Set(names.map((name) => job.outputs[name]!.expireInMs))];
  const expiry = expiries.length === 1 ? expiries[0] : Math.min(...expiries.map((e) => e ?? Number.MAX_SAFE_INTEGER));
  if (expiries.length > 1) diagnostics.approximated(where, "output expireIn", "GitLab keeps all of a job's artifacts for one time: the shortest is used");
  return {
    artifacts: {
      paths: names.map((name) => tarPath(engineId, name)),
      ...(expiry === null || expiry === undefined || expiry === Number.MAX_SAFE_INTEGER ? {} : { expire_in: gitlabDuration(expiry) }),
    },
  };
}

function gitlabDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  for (const [unit, size] of [["days", 86_400], ["hours", 3_600], ["minutes", 60]] as const) if (seconds % size === 0) return `${seconds / size} ${unit}`;
  return `${seconds} seconds`;
}

function retry(job: Job, where: Where, diagnostics: TargetDiagnostics): Doc {
  const r = job.retry;
  if (r.max === 0) return {};
  if (r.max > RETRY_MAX) {
    diagnostics.unsupported(where, "retry", `max ${r.max}: GitLab retries a job at most ${RETRY_MAX} times`, `set retry max to ${RETRY_MAX} or less for this target`);
    return {};
  }
  diagnostics.approximated(where, "retry backoff", `GitLab retries at once: the backoff (${formatDuration(r.backoff.initialMs)} x${r.backoff.factor}) is not kept`);
  return { retry: { max: r.max, when: r.on.flatMap((on) => RETRY_WHEN[on] ?? []), ...(r.exitCodes.length === 0 ? {} : { exit_codes: r.exitCodes }) } };
}

function services(job: Job, where: Where, diagnostics: TargetDiagnostics): Doc {
  if (job.services.length === 0) return {};
  const out = job.services.map((service) => {
    const variables: Doc = {};
    for (const [name, value] of Object.entries(service.env)) {
      if (typeof value === "object") variables[name] = `$${value.secret}`;
      else if (isNativeLiteral(value)) variables[name] = value;
      else diagnostics.unsupported(where, `service ${service.name} env ${name}`, `the template ${JSON.stringify(value)} needs a shell, and a service has none here`, "write the value literally");
    }
    return { name: service.image, alias: service.name, ...(service.command === null ? {} : { command: service.command }), ...(Object.keys(variables).length === 0 ? {} : { variables }) };
  });
  const ready = job.services.filter((s) => s.readyCommand !== null).map((s) => s.name);
  diagnostics.approximated(
    where,
    "services",
    `reached by alias (${job.services.map((s) => s.name).join(", ")}), not at 127.0.0.1 as under pipec run${ready.length === 0 ? "" : `; GitLab waits for exposed ports, not for the ready command of ${ready.join(", ")}`}`,
    "read the service's host from an env value, and wait for it in the first step",
  );
  return { services: out };
}

function caches(job: Job, where: Where, diagnostics: TargetDiagnostics): Doc {
  if (job.caches.length === 0) return {};
  const out = job.caches.map((cache) => {
    const files = cache.key.flatMap((part) => ("files" in part ? part.files : []));
    const values = cache.key.flatMap((part) => ("value" in part ? [part.value] : []));
    const prefix = `pipec${values.map((v) => `-${v.replace(/[/\\]/g, "-")}`).join("")}`;
    if (files.length > 2) diagnostics.unsupported(where, "cache key", `${files.length} key files: GitLab hashes at most 2 files into a cache key`, "key the cache on at most two files");
    const key = files.length === 0 ? prefix : { files, prefix };
    return { key, paths: cache.paths, policy: cache.policy };
  });
  if (out.length > 4) diagnostics.unsupported(where, "caches", `${out.length} caches: GitLab allows 4 per job`, "merge caches");
  return { cache: out };
}

