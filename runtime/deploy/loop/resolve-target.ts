/**
 * The target of a deployment as it will run: `${VAR}` templates in the image, command and env
 * substituted with the job's variables, secrets filled in. Also what the history keeps of it: the
 * resolved values, except that a value holding a secret is kept in its unresolved plan form (and
 * resolved again when that revision is started), so that no secret reaches `.pipec/deployments/`.
 */
import { createHash } from "node:crypto";
import type { Deployment, EnvValue } from "../../plan/schema.ts";
import { resolveDefinitions, substitute } from "../../plan/variables.ts";
import type { ResolvedTarget, StoredEnvValue } from "../history/index.ts";

export interface TargetValues {
  /** The job's variables (pipeline, vars, job env, system variables). */
  readonly lookup: (name: string) => string | undefined;
  /** Secret values by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Whether a resolved value contains a secret value. */
  readonly holdsSecret: (value: string) => boolean;
}

export interface TargetSpec {
  readonly target: ResolvedTarget;
  /** The env the instances get (PORT is added by the driver). */
  readonly env: Readonly<Record<string, string>>;
  /** For the history. */
  readonly stored: Readonly<Record<string, StoredEnvValue>>;
  /** Same digest, same version: sha256 of the target and the stored env. */
  readonly digest: string;
}

export class TargetResolveError extends Error {
  override readonly name = "TargetResolveError";
  readonly code = "DEPLOY_TARGET_UNRESOLVED";
}

export function resolveTarget(target: Deployment["target"], values: TargetValues): TargetSpec {
  const env = resolveEnv(target.env, values);
  const resolved: ResolvedTarget =
    target.kind === "docker"
      ? { kind: "docker", image: substitute(target.image, values.lookup), command: target.command === null ? null : target.command.map((arg) => substitute(arg, values.lookup)) }
      : { kind: "process", command: target.command.map((arg) => substitute(arg, values.lookup)) };
  const stored: Record<string, StoredEnvValue> = {};
  for (const [name, value] of Object.entries(env)) {
    const raw = target.env[name]!;
    stored[name] = typeof raw !== "string" || values.holdsSecret(value) ? { from: raw } : { value };
  }
  return { target: resolved, env, stored, digest: digestOf(resolved, stored) };
}

/** A revision's target again, from what the history kept (secret-holding values resolved with today's values). */
export function restoreTarget(target: ResolvedTarget, stored: Readonly<Record<string, StoredEnvValue>>, values: TargetValues): TargetSpec {
  const plain: Record<string, string> = {};
  const fromPlan: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(stored)) {
    if ("value" in value) plain[name] = value.value;
    else fromPlan[name] = value.from;
  }
  const env = { ...plain, ...resolveEnv(fromPlan, values) };
  return { target, env, stored, digest: digestOf(target, stored) };
}

function resolveEnv(env: Readonly<Record<string, EnvValue>>, values: TargetValues): Record<string, string> {
  const templates: Record<string, string> = {};
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string") templates[name] = value;
    else {
      const secret = values.secrets[value.secret];
      if (secret === undefined) throw new TargetResolveError(`the deploy target needs secret ${value.secret}, which is not set: export ${value.secret}=... before pipec run, or pass --secrets-file FILE`);
      resolved[name] = secret;
    }
  }
  const outer = (name: string) => resolved[name] ?? values.lookup(name);
  return { ...resolved, ...resolveDefinitions(templates, outer) };
}

function digestOf(target: ResolvedTarget, stored: Readonly<Record<string, StoredEnvValue>>): string {
  const env = Object.fromEntries(Object.entries(stored).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `sha256:${createHash("sha256").update(JSON.stringify({ target, env })).digest("hex")}`;
}
