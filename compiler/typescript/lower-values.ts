/** Small conversions from DSL values to plan values, reporting what cannot be converted. */
import { CONDITION, SECRET, hasBrand } from "../../dsl/brand.ts";
import type { ConditionLike } from "../../dsl/condition.ts";
import type { RetryOptions } from "../../dsl/retry.ts";
import type { Env } from "../../dsl/secret.ts";
import type { Duration } from "../../dsl/types.ts";
import { parseDuration } from "../../runtime/plan/duration.ts";
import type { PlanInput } from "../../runtime/plan/schema.ts";

type EnvInput = NonNullable<PlanInput["env"]>;
type RetryInput = NonNullable<NonNullable<PlanInput["jobs"][string]["retry"]>>;

/** Collects conversion problems as `[field, message]` pairs; the caller turns them into diagnostics. */
export type Problems = [field: string, message: string][];

/** A problem's field as path segments, as the author wrote them: `steps[1].env.FOO` is `["steps", 1, "env", "FOO"]`. */
export function fieldPath(field: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  return path;
}

export function lowerDuration(value: Duration | undefined, field: string, problems: Problems): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === "string" || typeof value === "number" ? parseDuration(value) : undefined;
  if (ms === undefined) problems.push([field, `${field}: ${shown(value)} is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"`]);
  return ms;
}

export function lowerEnv(env: Env | undefined, field: string, problems: Problems): EnvInput | undefined {
  if (env === undefined) return undefined;
  const out: EnvInput = {};
  for (const [name, value] of Object.entries(env)) {
    if (hasBrand(value, SECRET)) out[name] = { secret: (value as { name: string }).name };
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[name] = String(value);
    else problems.push([`${field}.${name}`, `${field}.${name}: expected a string, number, boolean or secret("NAME"), got ${describe(value)}`]);
  }
  return out;
}

export function lowerCondition(value: ConditionLike | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (hasBrand(value, CONDITION)) return (value as { text: string }).text;
  const text = String(value).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  return wrapped ? wrapped[1]!.trim() : text;
}

export function lowerRetry(value: number | RetryOptions | undefined, field: string, problems: Problems): RetryInput | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return { max: value };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push([field, `${field}: expected a number of retries or { max: ... }, got ${describe(value)}`]);
    return undefined;
  }
  const { backoff, ...rest } = value;
  const lowered: RetryInput = { max: rest.max };
  if (rest.on) lowered.on = [...rest.on];
  if (rest.exitCodes) lowered.exitCodes = [...rest.exitCodes];
  if (backoff) {
    lowered.backoff = {
      initialMs: lowerDuration(backoff.initial, `${field}.backoff.initial`, problems),
      maxMs: lowerDuration(backoff.max, `${field}.backoff.max`, problems),
      factor: backoff.factor,
      jitter: backoff.jitter,
    };
  }
  return lowered;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "an object";
  if (typeof value === "symbol" || typeof value === "bigint") return `a ${typeof value}`;
  return `${typeof value} ${shown(value)}`;
}

/** A value as the author would write it: `"90x"`, `NaN`, `-1`; an object or list by its kind. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return describe(value);
}

/** Drops undefined fields so that schema defaults apply and plans stay minimal before canonicalisation. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) continue;
    // An own "__proto__" stays an own property, as Object.fromEntries would keep it.
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}
