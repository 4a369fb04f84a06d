/**
 * The environment a job and each of its steps see, resolved at run time with the precedence of the
 * design document: `--var` > step env > job env > pipeline env > declared var defaults > system
 * variables. Templates (`${VAR}`, `${VAR:-x}`) are substituted layer by layer; secrets come from the
 * run's secret values and reach only the jobs that name them.
 */
import type { EnvValue, Job, Plan } from "../plan/schema.ts";
import { resolveDefinitions, substitute, VariableCycleError } from "../plan/variables.ts";

export interface RunValues {
  /** `--var NAME=value`: overrides every layer. */
  readonly overrides: Readonly<Record<string, string>>;
  /** Secret values by name, for the secrets the plan names. */
  readonly secrets: Readonly<Record<string, string>>;
  /** System variables (CI, PIPEC_*, and for local jobs PATH/HOME), lowest precedence. */
  readonly system: Readonly<Record<string, string>>;
}

export type Lookup = (name: string) => string | undefined;

export class MissingSecretError extends Error {
  override readonly name = "MissingSecretError";
  constructor(readonly secret: string, readonly job: string) {
    super(`job "${job}" needs secret ${secret}, which is not set: export ${secret}=... before pipec run, or pass --secrets-file FILE`);
  }
}

/** One env layer on top of `lower`: its definitions resolved, secrets filled in, overrides winning. */
export function layer(env: Readonly<Record<string, EnvValue>>, lower: Lookup, values: RunValues, job: string): { env: Record<string, string>; lookup: Lookup } {
  const templates: Record<string, string> = {};
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name in values.overrides) resolved[name] = values.overrides[name]!;
    else if (typeof value === "string") templates[name] = value;
    else {
      const secret = values.secrets[value.secret];
      if (secret === undefined) throw new MissingSecretError(value.secret, job);
      resolved[name] = secret;
    }
  }
  const outer: Lookup = (name) => values.overrides[name] ?? resolved[name] ?? lower(name);
  Object.assign(resolved, resolveDefinitions(templates, outer));
  return { env: resolved, lookup: (name) => values.overrides[name] ?? resolved[name] ?? lower(name) };
}

export interface JobEnvironment {
  /** Variables the job sets (pipeline, vars, job layers and overrides), without system variables. */
  readonly env: Record<string, string>;
  readonly lookup: Lookup;
  readonly image: string | null;
  readonly workingDirectory: string;
}

export function resolveJobEnvironment(plan: Plan, jobId: string, values: RunValues): JobEnvironment {
  const job: Job = plan.jobs[jobId]!;
  const system: Lookup = (name) => values.system[name];
  const defaults = Object.fromEntries(Object.entries(plan.vars).flatMap(([name, v]) => (v.default === null ? [] : [[name, v.default]])));
  const withVars: Lookup = (name) => values.overrides[name] ?? defaults[name] ?? system(name);
  const pipeline = layer(plan.env, withVars, values, jobId);
  const own = layer(job.env, pipeline.lookup, values, jobId);
  const env = { ...defaults, ...pipeline.env, ...own.env, ...pickOverrides(values) };
  return {
    env,
    lookup: own.lookup,
    image: job.image === null ? null : substitute(job.image, own.lookup),
    workingDirectory: substitute(job.workingDirectory, own.lookup),
  };
}

function pickOverrides(values: RunValues): Record<string, string> {
  return { ...values.overrides };
}

export { VariableCycleError };
