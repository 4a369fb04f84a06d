/**
 * The one adapter around picomatch, loaded on first use (its load costs more than most runs match):
 * a run whose triggers, conditions and cache keys name no globs never loads it.
 */
import { createRequire } from "node:module";
import type Picomatch from "picomatch";

let loaded: typeof Picomatch | undefined;

/** picomatch(patterns, options): a matcher of paths. */
export function picomatch(patterns: string | readonly string[], options?: Picomatch.PicomatchOptions): (path: string) => boolean {
  loaded ??= createRequire(import.meta.url)("picomatch") as typeof Picomatch;
  return loaded(typeof patterns === "string" ? patterns : [...patterns], options);
}
