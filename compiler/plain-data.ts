/** Small helpers over plain data (what YAML and the loading worker give): reading at a path and deep copies. */
import type { PlanPath } from "./draft.ts";

/** The value at `path`, or undefined where the path leaves the data (own properties only). */
export function valueAt(root: unknown, path: PlanPath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy of plain data (objects and arrays; keys such as `__proto__` stay own data); anything else is shared. */
export function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clonePlain(inner)]));
  }
  return value;
}
