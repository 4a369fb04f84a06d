/** Small conversions from authoring values to plan values. The schema has already checked the shapes. */
import { parseDuration } from "../../runtime/plan/duration.ts";
import type { EnvValue } from "../../runtime/plan/schema.ts";

const MEMORY_UNIT: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `"512m"`, `"2g"`, `"1.5GiB"` or a number of bytes, in whole bytes. Units are binary, as in Docker. */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? match[3] ?? "").toLowerCase();
  const size = MEMORY_UNIT[unit];
  return size === undefined ? undefined : Math.round(Number(match[1]) * size);
}

/** Milliseconds, or undefined for text `parseDuration` does not take. */
export function toMs(value: string | number): number | undefined {
  return parseDuration(value);
}

/**
 * `${{ expr }}` to `expr`: the shared validator parses bare expressions. Only a wrapper around the
 * whole text is removed, so `${{ a }} && ${{ b }}` stays as written and is reported there.
 */
export function unwrapExpression(text: string): string {
  const match = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  const inner = match?.[1];
  if (inner === undefined || inner.includes("${{") || inner.includes("}}")) return text.trim();
  return inner.trim();
}

/** YAML authors write `DEBUG: true` and `PORT: 8080`; the plan holds strings. */
export function toEnvValue(value: string | number | boolean | { secret: string }): EnvValue {
  return typeof value === "object" ? { secret: value.secret } : String(value);
}

/** A shell command as a string runs through `sh -c`; a list is the argument vector. */
export function toCommand(value: string | readonly string[]): string[] {
  return typeof value === "string" ? ["sh", "-c", value] : [...value];
}

export function toList(value: string | readonly string[]): string[] {
  return typeof value === "string" ? [value] : [...value];
}

/** Sets an own property even for names like `__proto__` (a valid environment variable name). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Plain assignment makes the same own, enumerable, writable property for every other name, faster.
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
