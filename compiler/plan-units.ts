/**
 * Plan numbers in the author's units, for messages: plan fields ending in `Ms` hold milliseconds and
 * `memoryBytes` bytes, but authors write `"90s"` and `"512m"`. Each text here parses back to the same
 * number (`parseDuration`, `parseByteSize`), so a message's bound can be pasted into the pipeline.
 */
import { formatDuration } from "../runtime/plan/duration.ts";
import type { PlanPath } from "./draft.ts";

export type PlanUnit = "duration" | "size";

/** The unit of the plan field a path ends in, or null for a plain number. */
export function planUnitOf(path: PlanPath): PlanUnit | null {
  const leaf = path[path.length - 1];
  if (typeof leaf !== "string") return null;
  if (leaf === "memoryBytes") return "size";
  return /.Ms$/.test(leaf) ? "duration" : null;
}

/** `1m30s` for 90000 ms, `4m` for 4194304 bytes; anything but a whole non-negative number stays as it is. */
export function formatInUnit(value: number, unit: PlanUnit): string {
  if (!Number.isSafeInteger(value) || value < 0) return String(value);
  return unit === "duration" ? formatDuration(value) : formatByteSize(value);
}

const SIZE_UNITS = [
  ["t", 1024 ** 4],
  ["g", 1024 ** 3],
  ["m", 1024 ** 2],
  ["k", 1024],
] as const;

/** The largest unit that divides the size exactly, the way the DSL and Docker write it: `512m`, `2g`, `1536k`, `100`. */
export function formatByteSize(bytes: number): string {
  if (bytes === 0) return "0";
  for (const [unit, size] of SIZE_UNITS) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
