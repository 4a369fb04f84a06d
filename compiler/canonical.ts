/**
 * The canonical plan: defaults written out (by the schema), needs and inputs sorted and complete,
 * conditions normalised, secrets listed, object keys sorted, and a digest. Same input, same bytes.
 */
import { createHash } from "node:crypto";
import { parseExpression, printExpression } from "../runtime/plan/expression/index.ts";
import type { EnvValue, Job, Plan } from "../runtime/plan/schema.ts";
import { webhookReferences } from "../runtime/plan/webhook.ts";

/**
 * The returned plan has its keys sorted already (the digest in its place), so that `emitPlan` and
 * the digest reuse one sorted copy instead of sorting the whole plan again.
 */
export function canonicalize(plan: Plan): Plan {
  const secrets = new Set<string>();
  const collect = (env: Readonly<Record<string, EnvValue>>) => {
    for (const name in env) {
      const value = env[name];
      if (typeof value === "object") secrets.add(value.secret);
    }
  };
  collect(plan.env);
  // A webhook's ${NAME} parts are secrets: the run reads them like any other, and masks them.
  for (const notify of plan.notify) for (const name of webhookReferences(notify.webhook).names) secrets.add(name);
  // Most jobs share a few conditions ("success()"): each text is normalised once.
  const conditions = new Map<string, string>();
  const normalize = (text: string): string => {
    let normal = conditions.get(text);
    if (normal === undefined) conditions.set(text, (normal = normalizeCondition(text)));
    return normal;
  };
  const jobs: Record<string, Job> = {};
  for (const id of Object.keys(plan.jobs)) {
    const job = plan.jobs[id]!;
    collect(job.env);
    for (const step of job.steps) collect(step.env);
    for (const service of job.services) collect(service.env);
    if (job.deploy) collect(job.deploy.target.env);
    const inputs = uniqueInputs(job.inputs).sort((a, b) => compare(a.job, b.job) || compare(a.output, b.output));
    jobs[id] = {
      ...job,
      needs: [...new Set([...job.needs, ...inputs.map((i) => i.job)])].sort(compare),
      inputs,
      if: normalize(job.if),
      steps: job.steps.map((step) => ({ ...step, if: step.if === null ? null : normalize(step.if) })),
    };
  }
  const { digest: _ignored, ...rest } = { ...plan, jobs, secrets: [...new Set([...plan.secrets, ...secrets])].sort(compare) };
  const sorted = sortKeys(rest) as Record<string, unknown>;
  return withKey(sorted, "digest", digestOfSorted(sorted)) as Plan;
}

/** sha256 of the canonical JSON of the plan without its digest. */
export function planDigest(plan: Plan): string {
  const { digest: _ignored, ...rest } = plan;
  return digestOfSorted(sortKeys(rest));
}

function digestOfSorted(sorted: unknown): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(sorted)).digest("hex")}`;
}

/** Deep copy with every object's keys in code-point order (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  // Objects of one kind (jobs, steps, ...) list their keys in the same order, so each order is sorted once.
  const orders = new Map<string, { keys: string[]; sorted: string[] }[]>();
  const sortedOrder = (keys: string[]): string[] => {
    if (keys.length < 2) return keys;
    const seen = orders.get(keys[0]!);
    if (seen) for (const order of seen) if (sameKeys(order.keys, keys)) return order.sorted;
    const sorted = [...keys].sort(compare);
    if (!seen) orders.set(keys[0]!, [{ keys, sorted }]);
    else if (seen.length < 8) seen.push({ keys, sorted });
    return sorted;
  };
  const copy = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(copy);
    if (item === null || typeof item !== "object") return item;
    const out: Record<string, unknown> = {};
    for (const key of sortedOrder(Object.keys(item))) {
      const v = (item as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = copy(v);
    }
    return out;
  };
  return copy(value);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `sortKeys(value)` would give a copy that serialises exactly like `value`: plain objects and
 * arrays only, every object's keys already in code-point order, no undefined field and no symbol key.
 * A read-only walk, much cheaper than the copy it saves.
 */
export function hasSortedKeys(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!hasSortedKeys(item)) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.getOwnPropertySymbols(value).length > 0) return false;
  let previous: string | null = null;
  for (const key of Object.keys(value)) {
    if (previous !== null && compare(previous, key) >= 0) return false;
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || !hasSortedKeys(v)) return false;
    previous = key;
  }
  return true;
}

/** A copy of a key-sorted object with `key` set, in its sorted place. */
function withKey(sorted: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const existing of Object.keys(sorted)) {
    if (existing === key) continue;
    if (!placed && compare(key, existing) < 0) {
      out[key] = value;
      placed = true;
    }
    out[existing] = sorted[existing];
  }
  if (!placed) out[key] = value;
  return out;
}

function normalizeCondition(text: string): string {
  const parsed = parseExpression(text);
  return parsed.ok ? printExpression(parsed.expr) : text;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One input per output taken; taken twice, it is optional only if both say so (the stricter wins). */
function uniqueInputs(items: Job["inputs"]): Job["inputs"] {
  const seen = new Map<string, Job["inputs"][number]>();
  for (const item of items) {
    const key = `${item.job}\0${item.output}`;
    const before = seen.get(key);
    seen.set(key, before === undefined ? item : { ...before, optional: before.optional && item.optional });
  }
  return [...seen.values()];
}
