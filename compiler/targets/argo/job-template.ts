/**
 * One plan job (with steps) as an Argo `container` template: `sh -c` running the job script in the
 * checkout at /workspace, literal env native, secrets from the profile's Kubernetes Secret, services
 * as sidecars (same pod, so 127.0.0.1 is exact), inputs and outputs as tar artifacts, the timeout as
 * activeDeadlineSeconds, retries as retryStrategy, resources as requests and limits.
 */
import { formatDuration } from "../../../runtime/plan/duration.ts";
import type { EnvValue, Job, Plan } from "../../../runtime/plan/schema.ts";
import { jobWhere, type TargetDiagnostics, type Where } from "../common/diagnostics.ts";
import { envPrelude, isNativeLiteral, type EnvLayer } from "../common/env-prelude.ts";
import { artifactName, tarPath } from "../common/pack.ts";
import type { TargetProfile } from "../types.ts";
import { duration, seconds } from "./durations.ts";
import { jobScript, secretEnvName } from "./job-script.ts";
import { parameter, systemEnv, WORKSPACE } from "./parameters.ts";

type Doc = Record<string, unknown>;

/** The label a NetworkPolicy selects the pods of `network: none` jobs by. */
export const NETWORK_LABEL = "pipec.dev/network";

const INPUT_DIR = "/pipec/in";

export function jobTemplate(plan: Plan, id: string, ids: ReadonlyMap<string, string>, profile: TargetProfile["argo"], diagnostics: TargetDiagnostics): Doc {
  const job = plan.jobs[id]!;
  const engineId = ids.get(id)!;
  const where = jobWhere(plan, id);
  const unpacks = job.inputs.map((input) => ({ name: artifactName(ids.get(input.job) ?? input.job, input.output), input: `${input.job}.${input.output}`, optional: input.optional }));
  const inputs = unpacks.map(({ name, optional }) => ({ name, path: `${INPUT_DIR}/${name}.tar`, ...(optional ? { optional: true } : {}) }));
  const parts = jobScript(plan, id, engineId, unpacks.map((unpack) => ({ ...unpack, file: `${INPUT_DIR}/${unpack.name}.tar` })), diagnostics);
  if (job.image === null) diagnostics.unsupported(where, "image", "a job without an image runs each step in its own image, which one Argo container cannot", "give the job an image");
  else if (job.image.includes("$")) diagnostics.unsupported(where, "image template", `the image ${JSON.stringify(job.image)} is resolved at run time by pipec; Argo takes the image as written`, "write the image literally, or use a matrix value");
  for (const cache of job.caches) diagnostics.approximated(where, "caches", `the cache of ${cache.paths.join(", ")} is dropped: Argo caches outputs (memoize), not folders, so each run starts without it`, "accept slower runs, or keep the folder in an output");
  if (job.resources.pids !== null) diagnostics.approximated(where, "resources.pids", "not enforced: a pod spec has no process limit", "drop pids for this target");
  // A pod runs its image's user: there is no invoking user in a cluster, so "invoker" (the default) is the image's.
  if (job.user === "root") diagnostics.approximated(where, "user root", "not enforced: the pod runs the image's user (a cluster's admission policy decides whether root may run)", "set USER in the image, or drop user");
  if (job.reports !== null) diagnostics.approximated(where, "reports", "the report files are not parsed: no test counts, failed tests or coverage in the Workflow", "keep them as an output, or run the pipeline with pipec run to see them");
  for (const gate of job.gates) diagnostics.unsupported(where, `gate ${gate.metric}`, "quality gates are checked by pipec run only: the Workflow would pass the job whatever the measure", "check the threshold in a step (a script that exits 1), or run the pipeline with pipec run");
  for (const [name, output] of Object.entries(job.outputs)) {
    if (output.expireInMs !== null) diagnostics.approximated(where, `output ${name} expireIn`, `${formatDuration(output.expireInMs)} is not kept: the artifact repository's own lifecycle rules decide how long artifacts live`, "set the bucket's lifecycle rule to match");
  }
  const container: Doc = {
    image: job.image ?? "",
    command: ["sh", "-c"],
    args: [parts.script],
    workingDir: WORKSPACE,
    env: containerEnv(plan, id, parts.stepSecrets, profile, where, diagnostics),
    ...resources(job),
  };
  const artifacts = profile.source === null ? [] : [{ name: "source", path: WORKSPACE, git: { repo: profile.source.repo, revision: parameter("git-sha"), ...(profile.source.depth === null ? {} : { depth: profile.source.depth }) } }];
  if (profile.source === null) diagnostics.unsupported(where, "workspace", "the job's steps run in a checkout of the project, and the plan does not say where the repository is", "set argo.source.repo in the target profile (pipec.targets.ts)");
  return {
    name: engineId,
    ...(job.network === "none" ? { metadata: { labels: { [NETWORK_LABEL]: "none" } } } : {}),
    inputs: { artifacts: [...artifacts, ...inputs] },
    ...(parts.outputs.length === 0 ? {} : { outputs: { artifacts: parts.outputs.map((name) => ({ name, path: `${WORKSPACE}/${tarPath(engineId, name)}`, archive: { none: {} }, ...(job.outputs[name]!.optional ? { optional: true } : {}) })) } }),
    activeDeadlineSeconds: seconds(job.timeoutMs),
    ...retryStrategy(job, where, diagnostics),
    container,
    ...sidecars(job, profile, where, diagnostics),
  };
}

function containerEnv(plan: Plan, id: string, stepSecrets: readonly string[], profile: TargetProfile["argo"], where: Where, diagnostics: TargetDiagnostics): Doc[] {
  const job = plan.jobs[id]!;
  const prelude = envPrelude([plan.env, job.env], 2);
  const env = new Map<string, Doc>();
  const set = (name: string, value: EnvValue) => {
    if (typeof value === "object") env.set(name, { name, valueFrom: { secretKeyRef: secretRef(value.secret, profile, where, diagnostics) } });
    else env.set(name, { name, value });
  };
  for (const [name, value] of Object.entries(systemEnv(plan))) set(name, value);
  set("PIPEC_JOB", id);
  set("PIPEC_JOB_NAME", job.name);
  // pipec's --var wins over env of the same name (checked at the plan).
  for (const name of Object.keys(plan.vars)) set(name, parameter(name));
  for (const [layer, notNative] of [[plan.env, prelude.notNative[0]!], [job.env, prelude.notNative[1]!]] as const) nativeEnv(layer, notNative, set);
  for (const secret of stepSecrets) env.set(secretEnvName(secret), { name: secretEnvName(secret), valueFrom: { secretKeyRef: secretRef(secret, profile, where, diagnostics) } });
  return [...env.values()];
}

function nativeEnv(layer: EnvLayer, notNative: ReadonlySet<string>, set: (name: string, value: EnvValue) => void): void {
  for (const name of Object.keys(layer).sort()) {
    const value = layer[name]!;
    if (notNative.has(name)) continue;
    if (typeof value === "object" || isNativeLiteral(value)) set(name, value);
  }
}

export function secretRef(secret: string, profile: TargetProfile["argo"], where: Where, diagnostics: TargetDiagnostics): Doc {
  if (profile.secretName === null) diagnostics.unsupported(where, "secrets", `secret ${secret} comes from a Kubernetes Secret, and the profile names none`, "set argo.secretName in the target profile: a Secret whose keys are the plan's secret names");
  return { name: profile.secretName ?? "", key: secret };
}

function resources(job: Job): Doc {
  const limits: Doc = {};
  if (job.resources.cpus !== null) limits.cpu = String(job.resources.cpus);
  if (job.resources.memoryBytes !== null) limits.memory = String(job.resources.memoryBytes);
  return Object.keys(limits).length === 0 ? {} : { resources: { requests: limits, limits } };
}

/** pipec's failure classes as Argo's policies: exit-code -> OnFailure, infrastructure -> OnError, both -> Always. */
function retryStrategy(job: Job, where: Where, diagnostics: TargetDiagnostics): Doc {
  const r = job.retry;
  if (r.max === 0) return {};
  const exit = r.on.includes("exit-code");
  const infra = r.on.includes("infrastructure");
  const policy = exit && infra ? "Always" : infra ? "OnError" : "OnFailure";
  if (r.on.includes("timeout")) diagnostics.approximated(where, "retry on timeout", "a task past its activeDeadlineSeconds fails like a non-zero exit: it is retried when exit-code failures are, and only then", "retry on exit-code too, or drop timeout from retry.on");
  if (r.backoff.jitter) diagnostics.approximated(where, "retry jitter", "Argo's backoff has no jitter: retries wait exactly the backoff", "set jitter: false to say so");
  if (r.exitCodes.length > 0 && infra) diagnostics.approximated(where, "retry exitCodes", "the exit codes also decide infrastructure retries on Argo (one expression for both)", "retry on exit-code only, or drop exitCodes");
  return {
    retryStrategy: {
      limit: r.max,
      retryPolicy: policy,
      ...(r.exitCodes.length === 0 ? {} : { expression: `asInt(lastRetry.exitCode) in [${r.exitCodes.join(", ")}]` }),
      backoff: { duration: duration(r.backoff.initialMs), factor: r.backoff.factor, cap: duration(r.backoff.maxMs) },
    },
  };
}

function sidecars(job: Job, profile: TargetProfile["argo"], where: Where, diagnostics: TargetDiagnostics): Doc {
  if (job.services.length === 0) return {};
  const out = job.services.map((service) => {
    const env: Doc[] = [];
    for (const [name, value] of Object.entries(service.env)) {
      if (typeof value === "object") env.push({ name, valueFrom: { secretKeyRef: secretRef(value.secret, profile, where, diagnostics) } });
      else if (isNativeLiteral(value)) env.push({ name, value });
      else diagnostics.unsupported(where, `service ${service.name} env ${name}`, `the template ${JSON.stringify(value)} needs a shell, and a sidecar has none here`, "write the value literally");
    }
    return {
      name: service.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-"),
      image: service.image,
      ...(service.command === null ? {} : { args: service.command }),
      ...(env.length === 0 ? {} : { env }),
      ...(service.readyCommand === null ? {} : { readinessProbe: { exec: { command: service.readyCommand }, periodSeconds: 1, failureThreshold: 60 } }),
    };
  });
  const ready = job.services.filter((s) => s.readyCommand !== null).map((s) => s.name);
  if (ready.length > 0) {
    diagnostics.approximated(
      where,
      "services",
      `Argo starts the steps without waiting for sidecars: the job first runs the ready command of ${ready.join(", ")} itself, so its image needs that command's program`,
      "use a ready command the job's image has too (nc, wget), or accept the wait failing",
    );
  }
  return { sidecars: out };
}
