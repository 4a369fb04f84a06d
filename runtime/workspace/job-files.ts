/**
 * The project files a job's cache key takes: every file of the snapshot, or those its
 * `cacheKey.files` patterns match (globs as in `caches`, matched against snapshot paths, dotfiles
 * included). Pure: the snapshot's entries in, a digest or a list of changed paths out.
 */
import { createHash } from "node:crypto";
import { picomatch } from "../plan/picomatch.ts";
import type { ManifestEntry } from "../artifacts/index.ts";

/** The entries `patterns` match (all of them for null). */
export function matchEntries(entries: readonly ManifestEntry[], patterns: readonly string[] | null): ManifestEntry[] {
  if (patterns === null) return [...entries];
  const isMatch = picomatch([...patterns], { dot: true });
  return entries.filter((entry) => isMatch(entry.path));
}

/** sha256 over the matched entries' paths, kinds, modes and digests (or link targets), in path order. */
export function filesDigest(entries: readonly ManifestEntry[], patterns: readonly string[] | null): string {
  const hash = createHash("sha256").update(`job-files-v1\0${JSON.stringify(patterns)}\0`);
  for (const entry of matchEntries(entries, patterns)) {
    hash.update(entry.kind === "file" ? `F\0${entry.path}\0${entry.mode.toString(8)}\0${entry.digest}\0` : `L\0${entry.path}\0${entry.target}\0`);
  }
  return hash.digest("hex");
}

/** Paths added, removed or changed between two sorted entry lists, in path order. */
export function changedPaths(previous: readonly ManifestEntry[], next: readonly ManifestEntry[]): string[] {
  const same = (a: ManifestEntry, b: ManifestEntry) =>
    a.kind === "file" && b.kind === "file" ? a.digest === b.digest && a.mode === b.mode : a.kind === "symlink" && b.kind === "symlink" && a.target === b.target;
  const before = new Map(previous.map((entry) => [entry.path, entry]));
  const changed: string[] = [];
  for (const entry of next) {
    const old = before.get(entry.path);
    before.delete(entry.path);
    if (!old || !same(old, entry)) changed.push(entry.path);
  }
  changed.push(...before.keys());
  return changed.sort();
}
