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

/** Builds `locate` from a table of exact path locations (YAML nodes, DSL call sites). */
export function locatorFromTable(table: ReadonlyMap<string, SourceLocation>, fallback: SourceLocation | null): Draft["locate"] {
  return (path) => {
    for (let end = path.length; end >= 0; end--) {
      const hit = table.get(pathKey(path.slice(0, end)));
      if (hit) return hit;
    }
    return fallback;
  };
}

/** The key used in location tables: path segments joined by "\u0000" so that dots in job ids stay unambiguous. */
export function pathKey(path: PlanPath): string {
  return path.join("\u0000");
}
