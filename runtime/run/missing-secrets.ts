/**
 * Every secret the jobs of a run name, checked before the first job: a missing one found only when
 * its job starts would come after upstream work ran (and then fail anyway).
 */
import { PipecError } from "../errors.ts";
import type { Plan } from "../plan/schema.ts";

export class MissingSecretsError extends PipecError {
  override readonly name = "MissingSecretsError";
  readonly code = "SECRET_NOT_SET";
  constructor(readonly missing: ReadonlyMap<string, readonly string[]>) {
    const names = [...missing.keys()];
    const each = [...missing].map(([secret, jobs]) => `${secret} (${jobs.length === 1 ? "job" : "jobs"} ${jobs.map((job) => `"${job}"`).join(", ")})`);
    super(`${names.length === 1 ? "secret" : "secrets"} ${each.join(", ")} ${names.length === 1 ? "is" : "are"} not set, so no job ran: export ${names.map((name) => `${name}=...`).join(" ")} before pipec run, or pass --secrets-file FILE`);
  }
}

/**
 * Secret names without a value, each with the jobs that name it, in plan order: among the jobs that
 * run whenever their needs succeed (`conditional: false`), or among those with a condition of their
 * own (`true`), which may never run (a publish job on another branch): those are a warning, not a refusal.
 */
export function missingSecrets(plan: Plan, values: Readonly<Record<string, string>>, alreadyDone: ReadonlySet<string>, conditional = false): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  for (const [id, job] of Object.entries(plan.jobs)) {
    if (alreadyDone.has(id) || (job.if !== UNCONDITIONAL) !== conditional) continue;
    for (const name of new Set([...secretNames(plan.env), ...secretNames(job)])) {
      if (values[name] !== undefined) continue;
      missing.set(name, [...(missing.get(name) ?? []), id]);
    }
  }
  return missing;
}

/** A job's default condition: it runs when its needs succeeded. */
const UNCONDITIONAL = "success()";

/** Said before the first job about the secrets only conditional jobs name. */
export function conditionalSecretsNotice(missing: ReadonlyMap<string, readonly string[]>): string {
  const each = [...missing].map(([secret, jobs]) => `${secret} (${jobs.length === 1 ? "job" : "jobs"} ${jobs.join(", ")})`);
  return `${missing.size === 1 ? "secret" : "secrets"} ${each.join(", ")} not set: ${missing.size === 1 ? "that job fails" : "those jobs fail"} if ${missing.size === 1 ? "its condition lets it" : "their conditions let them"} run`;
}

/** Every `{ secret: NAME }` reference inside a value (env maps of the pipeline, a job, its steps, services, deployment). */
function secretNames(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) secretNames(item, into);
  else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === "secret" && typeof record.secret === "string") into.push(record.secret);
    else for (const key of keys) secretNames(record[key], into);
  }
  return into;
}
