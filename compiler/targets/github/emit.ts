/**
 * The GitHub Actions emitter: a pure function of the canonical plan and the profile to one workflow
 * file. One GitHub job per plan job (matrix expansions are already separate jobs), steps run by
 * `sh -e` as pipec runs them, env templates lowered to an `export` prelude, outputs moved as tar
 * files. Every field it cannot carry is a diagnostic (see features.ts).
 */
import { formatDuration } from "../../../runtime/plan/duration.ts";
import type { EnvValue, Job, Plan } from "../../../runtime/plan/schema.ts";
import { jobWhere, TargetDiagnostics, type Where } from "../common/diagnostics.ts";
import { envPrelude, isNativeLiteral, type EnvLayer } from "../common/env-prelude.ts";
import { engineIds, githubJobId } from "../common/names.ts";
import { artifactName, packScript, tarPath, unpackScript, unsupportedPatterns, PACK_DIR } from "../common/pack.ts";
import { checkJob, checkPlan, stepWhere } from "../common/shared-checks.ts";
import { argvQuote, shellJoin } from "../common/shell.ts";
import { printEngineYaml } from "../common/yaml.ts";
import type { EmitOptions, EmitResult } from "../types.ts";
import { githubCondition } from "./condition.ts";

type Doc = Record<string, unknown>;

export function emitGithub(plan: Plan, options: EmitOptions): EmitResult {
  const diagnostics = new TargetDiagnostics("github");
  checkPlan(plan, diagnostics);

  const ids = engineIds(plan, githubJobId, diagnostics);
  const jobs: Doc = {};
  const optional = optionalInputs(plan);
  for (const [id, engineId] of ids) {
    if (checkJob(plan, id, diagnostics)) continue;
    jobs[engineId] = emitJob(plan, id, ids, optional, options, diagnostics);
  }
  if (diagnostics.failed) return { files: [], diagnostics: diagnostics.list };
  const workflow: Doc = {
    name: plan.name,
    on: triggers(plan),
    ...nonEmpty("env", workflowEnv(plan)),
    jobs,
  };
  const content = printEngineYaml(workflow, "github", { version: options.pipecVersion, digest: plan.digest ?? "" });
  return { files: [{ path: `.github/workflows/${fileName(plan.name)}.yml`, content }], diagnostics: diagnostics.list };
}

function fileName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "pipeline";
}

function triggers(plan: Plan): Doc {
  const inputs: Doc = {};
  for (const [name, v] of Object.entries(plan.vars)) {
    inputs[name] = { ...(v.description === null ? {} : { description: v.description }), required: false, type: "string", ...(v.default === null ? {} : { default: v.default }) };
  }
  const dispatch = { workflow_dispatch: Object.keys(inputs).length === 0 ? {} : { inputs } };
  const on = plan.triggers;
  if (on === null) return { push: {}, pull_request: {}, ...dispatch };
  // GitHub's push filter lists branches and tags together: tags alone would stop branch pushes, so any branch is then "**".
  const push: Doc | null =
    on.push === null && on.tag.length === 0
      ? null
      : {
          ...(on.push === null ? {} : on.push.branches.length > 0 ? { branches: on.push.branches } : on.tag.length > 0 ? { branches: ["**"] } : {}),
          ...(on.tag.length === 0 ? {} : { tags: on.tag }),
          ...(on.push === null || on.push.paths.length === 0 ? {} : { paths: on.push.paths }),
        };
  const pullRequest = on.pullRequest === null ? null : { ...(on.pullRequest.branches.length === 0 ? {} : { branches: on.pullRequest.branches }), ...(on.pullRequest.paths.length === 0 ? {} : { paths: on.pullRequest.paths }) };
  return {
    ...(push === null ? {} : { push }),
    ...(pullRequest === null ? {} : { pull_request: pullRequest }),
    ...(on.schedule.length === 0 ? {} : { schedule: on.schedule.map((cron) => ({ cron })) }),
    ...dispatch,
  };
}

const BRANCH = "${{ github.ref_type == 'branch' && github.ref_name || '' }}";
const TAG = "${{ github.ref_type == 'tag' && github.ref_name || '' }}";

function workflowEnv(plan: Plan): Doc {
  const env: Doc = {
    CI: "true",
    PIPEC: "true",
    PIPEC_PIPELINE: plan.name,
    PIPEC_RUN_ID: "${{ github.run_id }}",
    PIPEC_GIT_SHA: "${{ github.sha }}",
    PIPEC_GIT_BRANCH: BRANCH,
    PIPEC_GIT_TAG: TAG,
  };
  // Declared variables: a dispatch input, else a repository variable, else the default (pipec's --var, then default).
  for (const [name, v] of Object.entries(plan.vars)) env[name] = `\${{ inputs.${name} || vars.${name} || ${quoteExpr(v.default ?? "")} }}`;
  Object.assign(env, nativeEnv(plan.env, new Set()));
  return env;
}

function quoteExpr(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The values the engine sets itself: literals and secrets (templates go to the prelude). */
function nativeEnv(layer: EnvLayer, notNative: ReadonlySet<string>): Doc {
  const env: Doc = {};
  for (const name of Object.keys(layer).sort()) {
    const value = layer[name] as EnvValue;
    if (notNative.has(name)) continue;
    if (typeof value === "object") env[name] = `\${{ secrets.${value.secret} }}`;
    else if (isNativeLiteral(value)) env[name] = value;
  }
  return env;
}

function emitJob(plan: Plan, id: string, ids: ReadonlyMap<string, string>, optional: ReadonlySet<string>, options: EmitOptions, diagnostics: TargetDiagnostics): Doc {
  const job = plan.jobs[id]!;
  const where = jobWhere(plan, id);
  const scope = { plan, jobId: id, ids, where, diagnostics };
  const condition = githubCondition(job.if, scope);
  const jobPrelude = envPrelude([plan.env, job.env]);
  const out: Doc = {
    name: job.name,
    ...(job.needs.length === 0 ? {} : { needs: job.needs.map((need) => ids.get(need) ?? need) }),
    ...(condition === null ? {} : { if: condition }),
    "runs-on": options.profile.github.runsOn.length === 1 ? options.profile.github.runsOn[0] : options.profile.github.runsOn,
    ...(job.image === null ? {} : { container: imageOf(job.image, where, diagnostics) }),
    ...services(job, id, plan, diagnostics),
    env: { PIPEC_JOB: id, PIPEC_JOB_NAME: job.name, ...nativeEnv(job.env, jobPrelude.notNative[1]!) },
    "timeout-minutes": minutes(job.timeoutMs, where, "timeout", diagnostics),
    ...(job.allowFailure ? { "continue-on-error": true } : {}),
    ...approvalEnvironment(job, where, diagnostics),
    ...nonEmpty("outputs", packedFlags(plan, id, optional)),
    steps: steps(plan, id, job, ids, optional, diagnostics),
  };
  retry(job, where, diagnostics);
  return out;
}

/** A manual job waits on a GitHub environment of the approval's name; its required reviewers are set in the repository, not in the file. */
function approvalEnvironment(job: Job, where: Where, diagnostics: TargetDiagnostics): Doc {
  const approval = job.approval;
  if (approval === null) return {};
  diagnostics.approximated(
    where,
    "approval",
    `becomes environment "${approval.name}": GitHub waits for a reviewer only when that environment has required reviewers, which are set in the repository's settings, not in the workflow${approval.timeoutMs === null ? "" : `; GitHub waits up to 30 days, not ${formatDuration(approval.timeoutMs)} (onTimeout: ${approval.onTimeout} is not kept)`}`,
    `create the environment "${approval.name}" with required reviewers (Settings > Environments)`,
  );
  return { environment: approval.name };
}

function imageOf(image: string, where: Where, diagnostics: TargetDiagnostics): string {
  if (image.includes("$")) diagnostics.unsupported(where, "image template", `the image ${JSON.stringify(image)} is resolved at run time by pipec; GitHub takes a fixed container image`, "write the image literally, or use a matrix value");
  return image;
}

function minutes(ms: number, where: Where, feature: string, diagnostics: TargetDiagnostics): number {
  const value = Math.ceil(ms / 60_000);
  if (value * 60_000 !== ms) diagnostics.approximated(where, feature, `${formatDuration(ms)} becomes ${value} minute${value === 1 ? "" : "s"}: GitHub counts timeouts in whole minutes`);
  return value;
}

function retry(job: Job, where: Where, diagnostics: TargetDiagnostics): void {
  if (job.retry.max > 0) diagnostics.approximated(where, "retry", `not retried: GitHub Actions cannot retry a job (pipec retries up to ${job.retry.max} times on ${job.retry.on.join(", ")})`, "re-run failed jobs from the GitHub UI, or drop retry");
}

function services(job: Job, id: string, plan: Plan, diagnostics: TargetDiagnostics): Doc {
  if (job.services.length === 0) return {};
  const where = jobWhere(plan, id);
  const out: Doc = {};
  for (const service of job.services) {
    const feature = `service ${service.name}`;
    if (service.command !== null) diagnostics.unsupported(where, `${feature} command`, "GitHub service containers run their image's own command", "build an image whose default command is the one you need");
    const env: Doc = {};
    for (const [name, value] of Object.entries(service.env)) {
      if (typeof value === "object") env[name] = `\${{ secrets.${value.secret} }}`;
      else if (isNativeLiteral(value)) env[name] = value;
      else diagnostics.unsupported(where, `${feature} env ${name}`, `the template ${JSON.stringify(value)} needs a shell, and a service has none here`, "write the value literally");
    }
    // Docker runs a health command with /bin/sh -c: the argv is shell-quoted, then quoted again for the runner's own splitting.
    const options = service.readyCommand === null ? [] : ["--health-cmd", shellJoin(service.readyCommand), "--health-interval", "2s", "--health-timeout", "5s", "--health-retries", "30"];
    out[service.name] = { image: service.image, ...(Object.keys(env).length === 0 ? {} : { env }), ...(options.length === 0 ? {} : { options: options.map(argvQuote).join(" ") }) };
  }
  diagnostics.approximated(where, "services", `reached by name (${job.services.map((s) => s.name).join(", ")}), not at 127.0.0.1 as under pipec run: GitHub puts services on their own network`, "read the service's host from an env value");
  return { services: out };
}

function steps(plan: Plan, id: string, job: Job, ids: ReadonlyMap<string, string>, optional: ReadonlySet<string>, diagnostics: TargetDiagnostics): Doc[] {
  const out: Doc[] = [{ uses: "actions/checkout@v4" }];
  for (const input of job.inputs) {
    const producer = ids.get(input.job) ?? input.job;
    const name = artifactName(producer, input.output);
    // An optional input is downloaded when its producer says it packed it: a failed download of one that is there still fails.
    const present = input.optional ? { if: `needs.${producer}.outputs.${packedFlag(input.output)} == 'true'` } : {};
    out.push({ name: `download ${name}`, ...present, uses: "actions/download-artifact@v4", with: { name, path: PACK_DIR } });
  }
  if (job.inputs.length > 0) {
    const unpacks = job.inputs.map((input) => ({ file: `${PACK_DIR}/${artifactName(ids.get(input.job) ?? input.job, input.output)}.tar`, input: `${input.job}.${input.output}`, optional: input.optional }));
    out.push(shellStep(`unpack inputs`, unpackScript(unpacks)));
  }
  // Restoring caches come first; a push-only cache is saved after the steps (pull-push saves at the job's end by itself).
  for (const cache of job.caches) if (cache.policy !== "push") out.push(cacheStep(cache));
  for (const step of job.steps) {
    const where = stepWhere(id, job, step);
    const prelude = envPrelude([plan.env, job.env, step.env]);
    for (const name of prelude.secretClashes) diagnostics.unsupported(where, `env ${name}`, "a secret that replaces a templated value of an outer env needs the shell, where GitHub secrets are not passed", "give the secret's env entry another name");
    const dir = step.workingDirectory ?? job.workingDirectory;
    const lines = [...prelude.lines, ...(dir === "." ? [] : [`cd "${dir}"`])];
    if (/PIPEC_WORKSPACE/.test(step.run) || lines.some((line) => line.includes("PIPEC_WORKSPACE"))) lines.unshift('export PIPEC_WORKSPACE="$GITHUB_WORKSPACE"');
    const condition = githubCondition(step.if ?? "success()", { plan, jobId: id, ids, where, diagnostics });
    const env = nativeEnv(step.env, prelude.notNative[2]!);
    if (step.retry !== null && step.retry.max > 0) diagnostics.approximated(where, "step retry", `step "${step.name}" is not retried: GitHub cannot retry a step`, "drop the step's retry, or retry inside the script");
    out.push({
      name: step.name,
      ...(condition === null ? {} : { if: condition }),
      shell: "sh -e {0}",
      ...(Object.keys(env).length === 0 ? {} : { env }),
      ...(step.timeoutMs === null ? {} : { "timeout-minutes": minutes(step.timeoutMs, where, "step timeout", diagnostics) }),
      ...(step.continueOnFailure ? { "continue-on-error": true } : {}),
      run: `${lines.length === 0 ? "" : `${lines.join("\n")}\n`}${step.run.endsWith("\n") ? step.run : `${step.run}\n`}`,
    });
  }
  for (const cache of job.caches) if (cache.policy === "push") out.push(cacheStep(cache));
  for (const [name, output] of Object.entries(job.outputs)) {
    const bad = unsupportedPatterns(output);
    if (bad.length > 0) {
      diagnostics.unsupported(jobWhere(plan, id), `output ${name}`, `the pattern${bad.length === 1 ? "" : "s"} ${bad.map((p) => JSON.stringify(p)).join(", ")} cannot be selected exactly by the generated packing script`, "use **, *, ?, [..] and {a,b} in whole path segments");
      continue;
    }
    const artifact = artifactName(ids.get(id) ?? id, name);
    const file = tarPath(ids.get(id) ?? id, name);
    if (optional.has(`${id}\0${name}`)) out.push({ id: `pack-${name}`, ...shellStep(`pack ${name}`, `${packScript(ids.get(id) ?? id, name, output)}if [ -f ${file} ]; then echo packed=true >> "$GITHUB_OUTPUT"; fi\n`) });
    else out.push(shellStep(`pack ${name}`, packScript(ids.get(id) ?? id, name, output)));
    out.push({
      name: `upload ${artifact}`,
      uses: "actions/upload-artifact@v4",
      with: { name: artifact, path: file, "if-no-files-found": output.optional ? "ignore" : "error", ...retention(output.expireInMs, jobWhere(plan, id), name, diagnostics) },
    });
  }
  return out;
}

/** The job output saying an output was packed, read by the jobs that take it as an optional input. */
const packedFlag = (output: string) => `packed-${output}`;

/** The outputs some job takes as an optional input, as `job\0output`. */
function optionalInputs(plan: Plan): Set<string> {
  const taken = new Set<string>();
  for (const job of Object.values(plan.jobs)) for (const input of job.inputs) if (input.optional) taken.add(`${input.job}\0${input.output}`);
  return taken;
}

function packedFlags(plan: Plan, id: string, optional: ReadonlySet<string>): Doc {
  const flags: Doc = {};
  for (const name of Object.keys(plan.jobs[id]!.outputs)) if (optional.has(`${id}\0${name}`)) flags[packedFlag(name)] = `\${{ steps.pack-${name}.outputs.packed }}`;
  return flags;
}

function retention(expireInMs: number | null, where: Where, name: string, diagnostics: TargetDiagnostics): Doc {
  if (expireInMs === null) return {};
  const days = Math.min(90, Math.max(1, Math.ceil(expireInMs / 86_400_000)));
  if (days * 86_400_000 !== expireInMs) diagnostics.approximated(where, `output ${name} expireIn`, `${formatDuration(expireInMs)} becomes ${days} day${days === 1 ? "" : "s"}: GitHub keeps artifacts for whole days (1 to 90)`);
  return { "retention-days": days };
}

function shellStep(name: string, script: string): Doc {
  return { name, shell: "sh -e {0}", run: script };
}

function cacheStep(cache: Job["caches"][number]): Doc {
  const action = cache.policy === "pull" ? "actions/cache/restore@v4" : cache.policy === "push" ? "actions/cache/save@v4" : "actions/cache@v4";
  const key = cache.key
    .map((part) => ("value" in part ? part.value : `\${{ hashFiles(${part.files.map(quoteExpr).join(", ")}) }}`))
    .join("-");
  return { name: `cache ${cache.paths.join(", ")}`, uses: action, with: { path: cache.paths.join("\n"), key: `pipec-${key}` } };
}

function nonEmpty(key: string, value: Doc): Doc {
  return Object.keys(value).length === 0 ? {} : { [key]: value };
}

