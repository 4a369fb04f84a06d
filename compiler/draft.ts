/**
 * A draft is what a front end (TypeScript DSL or YAML) hands to validation: the plan in its input
 * shape (`PlanInput`, references already turned into job ids) and a way to find the author's line
 * for any path inside it.
 */
import type { PlanInput, SourceLocation } from "../runtime/plan/schema.ts";

export type PlanPath = readonly (string | number)[];

export interface Draft {
  readonly plan: PlanInput;
  /** The author's location for a plan path such as `["jobs", "build", "needs", 0]`, falling back to the nearest parent. */
  locate(path: PlanPath): SourceLocation | null;
}

/**
 * Builds `locate` from a table of exact path locations (DSL call sites), or of source offsets turned
 * into locations by `toLocation` on lookup (YAML nodes: a build records far more than it looks up).
 */
export function locatorFromTable(table: ReadonlyMap<string, SourceLocation>, fallback: SourceLocation | null): Draft["locate"];
export function locatorFromTable<T>(table: ReadonlyMap<string, T>, fallback: SourceLocation | null, toLocation: (entry: T) => SourceLocation): Draft["locate"];
export function locatorFromTable<T>(table: ReadonlyMap<string, T>, fallback: SourceLocation | null, toLocation?: (entry: T) => SourceLocation): Draft["locate"] {
  return (path) => {
    // The keys of every prefix, longest first: the nearest recorded parent answers.
    const keys = [""];
    for (const segment of path) keys.push(keys.length === 1 ? String(segment) : `${keys[keys.length - 1]}\u0000${String(segment)}`);
    for (let end = path.length; end >= 0; end--) {
      const hit = table.get(keys[end]!);
      if (hit !== undefined) return toLocation ? toLocation(hit) : (hit as SourceLocation);
    }
    return fallback;
  };
}

/** The key used in location tables: path segments joined by "\u0000" so that dots in job ids stay unambiguous. */
export function pathKey(path: PlanPath): string {
  return path.join("\u0000");
}
