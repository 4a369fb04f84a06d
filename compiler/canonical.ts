/**
 * The canonical plan: defaults written out (by the schema), needs and inputs sorted and complete,
 * conditions normalised, secrets listed, object keys sorted, and a digest. Same input, same bytes.
 */
import { createHash } from "node:crypto";
import { parseExpression, printExpression } from "../runtime/plan/expression/index.ts";
import type { EnvValue, Job, Plan } from "../runtime/plan/schema.ts";

export function canonicalize(plan: Plan): Plan {
  const secrets = new Set<string>();
  const collect = (env: Readonly<Record<string, EnvValue>>) => {
    for (const value of Object.values(env)) if (typeof value === "object") secrets.add(value.secret);
  };
  collect(plan.env);
  const jobs: Record<string, Job> = {};
  for (const [id, job] of Object.entries(plan.jobs)) {
    collect(job.env);
    for (const step of job.steps) collect(step.env);
    for (const service of job.services) collect(service.env);
    if (job.deploy) collect(job.deploy.target.env);
    const inputs = uniqueBy(job.inputs, (i) => `${i.job}\0${i.output}`).sort((a, b) => compare(a.job, b.job) || compare(a.output, b.output));
    jobs[id] = {
      ...job,
      needs: [...new Set([...job.needs, ...inputs.map((i) => i.job)])].sort(compare),
      inputs,
      if: normalizeCondition(job.if),
      steps: job.steps.map((step) => ({ ...step, if: step.if === null ? null : normalizeCondition(step.if) })),
    };
  }
  const { digest: _ignored, ...rest } = { ...plan, jobs, secrets: [...new Set([...plan.secrets, ...secrets])].sort(compare) };
  const sorted = sortKeys(rest) as Plan;
  return { ...sorted, digest: planDigest(sorted) };
}

/** sha256 of the canonical JSON of the plan without its digest. */
export function planDigest(plan: Plan): string {
  const { digest: _ignored, ...rest } = plan;
  return `sha256:${createHash("sha256").update(JSON.stringify(sortKeys(rest))).digest("hex")}`;
}

/** Deep copy with every object's keys in code-point order (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compare)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

function normalizeCondition(text: string): string {
  const parsed = parseExpression(text);
  return parsed.ok ? printExpression(parsed.expr) : text;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
