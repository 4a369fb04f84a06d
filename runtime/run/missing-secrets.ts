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

/** Secret names without a value, each with the jobs (among those that will run) that name it, in plan order. */
export function missingSecrets(plan: Plan, values: Readonly<Record<string, string>>, alreadyDone: ReadonlySet<string>): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  for (const [id, job] of Object.entries(plan.jobs)) {
    if (alreadyDone.has(id)) continue;
    for (const name of new Set([...secretNames(plan.env), ...secretNames(job)])) {
      if (values[name] !== undefined) continue;
      missing.set(name, [...(missing.get(name) ?? []), id]);
    }
  }
  return missing;
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
