/**
 * The files a run sees as changed, and how `changed('services/user/**')` matches them. Patterns are
 * globs over paths relative to the repository root (picomatch, dotfiles included), like output paths.
 */
import { picomatch } from "../picomatch.ts";

export interface ChangeSet {
  /** What the files were compared with, in words: `main (merge base 1a2b3c4)`, `--base v1.2`. */
  readonly base: string;
  /** Changed paths relative to the repository root, or null when unknown: then every pattern matches. */
  readonly files: readonly string[] | null;
}

const matchers = new Map<string, (path: string) => boolean>();

function matcherFor(pattern: string): (path: string) => boolean {
  let matcher = matchers.get(pattern);
  if (matcher === undefined) {
    const trimmed = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
    const glob = picomatch(trimmed, { dot: true });
    // A pattern naming a folder takes everything under it, as output paths do.
    const under = picomatch(`${trimmed}/**`, { dot: true });
    matcher = (path) => glob(path) || under(path);
    matchers.set(pattern, matcher);
  }
  return matcher;
}

/** True when some changed file matches the pattern (always, when the changes are unknown). */
export function matchesChange(changes: ChangeSet, pattern: string): boolean {
  if (changes.files === null) return true;
  const matches = matcherFor(pattern);
  return changes.files.some(matches);
}
