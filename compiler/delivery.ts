/** `on:` (triggers) and `notify:` as authors write them (TypeScript and YAML alike) to their plan form. */
import type { PlanInput } from "../runtime/plan/schema.ts";

type Many = string | readonly string[];
type FilterIn = { readonly branches?: Many; readonly paths?: Many } | true | null;
export type TriggersIn = { readonly push?: FilterIn; readonly pullRequest?: FilterIn; readonly tag?: Many; readonly schedule?: Many };
export type NotifyIn = { readonly on?: Many; readonly webhook?: unknown; readonly timeoutMs?: number; readonly retries?: number };

const list = (value: Many | undefined): string[] | undefined => (value === undefined ? undefined : typeof value === "string" ? [value] : Array.isArray(value) ? [...value] : (value as unknown as string[]));

function filter(value: FilterIn | undefined): unknown {
  if (value === undefined) return undefined;
  // `push: true` / `push: {}` / `push:` (null in YAML): any branch, any change.
  if (value === true || value === null) return {};
  if (typeof value !== "object") return value;
  return { ...(value.branches === undefined ? {} : { branches: list(value.branches) }), ...(value.paths === undefined ? {} : { paths: list(value.paths) }) };
}

/** Wrong shapes are passed through for the plan schema to report where they are. */
export function planTriggers(on: TriggersIn | undefined): PlanInput["triggers"] {
  if (on === undefined || on === null || typeof on !== "object") return on as undefined;
  const out: Record<string, unknown> = {};
  if (on.push !== undefined) out.push = filter(on.push);
  if (on.pullRequest !== undefined) out.pullRequest = filter(on.pullRequest);
  if (on.tag !== undefined) out.tag = list(on.tag);
  if (on.schedule !== undefined) out.schedule = list(on.schedule);
  return out as PlanInput["triggers"];
}

/** `webhook` is already a template (`${SLACK_URL}`): a secret reference is written as one by the front end. */
export function planNotify(notify: readonly NotifyIn[] | undefined): PlanInput["notify"] {
  if (!Array.isArray(notify)) return notify as undefined;
  return notify.map((entry: NotifyIn) =>
    entry === null || typeof entry !== "object"
      ? entry
      : { on: list(entry.on), webhook: entry.webhook, ...(entry.timeoutMs === undefined ? {} : { timeoutMs: entry.timeoutMs }), ...(entry.retries === undefined ? {} : { retries: entry.retries }) },
  ) as PlanInput["notify"];
}
