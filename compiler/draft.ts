/**
 * A draft is what a front end (TypeScript DSL or YAML) hands to validation: the plan in its input
 * shape (`PlanInput`, references already turned into job ids) and a way to find the author's line
 * for any path inside it.
 */
import type { PlanInput, SourceLocation } from "../runtime/plan/schema.ts";
import type { Diagnostic } from "./diagnostic.ts";

export type PlanPath = readonly (string | number)[];

export interface Draft {
  readonly plan: PlanInput;
  /** The author's location for a plan path such as `["jobs", "build", "needs", 0]`, falling back to the nearest parent. */
  locate(path: PlanPath): SourceLocation | null;
  /**
   * A closer look, for front ends whose `locate` only knows call sites: the same diagnostics, each at
   * the exact property when it can be found. Called once per build, and only when there are diagnostics.
   */
  refine?(diagnostics: readonly Diagnostic[]): Promise<Diagnostic[]>;
  /**
   * A plan path in the author's words, for messages: `job "build": retry` where the plan says
   * `jobs.build.retry.max` (label.ts). Asked only for diagnostics; `labelOf` falls back to plan terms.
   */
  label?(path: PlanPath): string;
  /** A plan file's own `digest` and where it is written: a digest that no longer fits the content means the plan was edited by hand. */
  readonly statedDigest?: { readonly digest: string; readonly location: SourceLocation | null };
}

/**
 * Builds `locate` from a table of exact path locations (DSL call sites), or of source offsets turned
 * into locations by `toLocation` on lookup (YAML nodes: a build records far more than it looks up).
 */
export function locatorFromTable(table: ReadonlyMap<string, SourceLocation>, fallback: SourceLocation | null): Draft["locate"];
export function locatorFromTable<T>(table: ReadonlyMap<string, T>, fallback: SourceLocation | null, toLocation: (entry: T) => SourceLocation): Draft["locate"];
export function locatorFromTable<T>(table: ReadonlyMap<string, T>, fallback: SourceLocation | null, toLocation?: (entry: T) => SourceLocation): Draft["locate"] {
  return (path) => {
    const nearest = nearestEntry(table, path);
    if (!nearest) return fallback;
    return toLocation ? toLocation(nearest.entry) : (nearest.entry as SourceLocation);
  };
}

/**
 * The entry of the longest recorded prefix of `path`, and that prefix's length. With `resolve`, what
 * it makes of the entry, and an entry it makes nothing of (undefined) is passed over for a shorter prefix.
 */
export function nearestEntry<T>(table: ReadonlyMap<string, T>, path: PlanPath): { entry: T; length: number } | null;
export function nearestEntry<T, R>(table: ReadonlyMap<string, T>, path: PlanPath, resolve: (entry: T) => R | undefined): { entry: R; length: number } | null;
export function nearestEntry<T, R>(table: ReadonlyMap<string, T>, path: PlanPath, resolve?: (entry: T) => R | undefined): { entry: T | R; length: number } | null {
  // The keys of every prefix, longest first: the nearest recorded parent answers. Each prefix is a slice
  // of the whole path's key, made only when the longer ones are not in the table.
  const key = pathKey(path);
  const ends = [0];
  for (const segment of path) ends.push(ends.length === 1 ? String(segment).length : ends[ends.length - 1]! + 1 + String(segment).length);
  for (let end = path.length; end >= 0; end--) {
    const found = table.get(end === path.length ? key : key.slice(0, ends[end]));
    const entry = found === undefined || !resolve ? found : resolve(found);
    if (entry !== undefined) return { entry, length: end };
  }
  return null;
}

/** The key used in location tables: path segments joined by "\u0000" so that dots in job ids stay unambiguous. */
export function pathKey(path: PlanPath): string {
  return path.join("\u0000");
}
