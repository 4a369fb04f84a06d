/**
 * Finds the files of an output in a workspace with tinyglobby, never following symlinks: the fs
 * adapter shows every non-directory (symlinks included, whatever they point to) as a plain file, so
 * the crawler lists a symlink as a path of its own and never walks into a linked directory, which
 * could be anywhere (`/`). `collect` then looks at each path with lstat and decides.
 *
 * Each pattern is matched on its own so that one that matches nothing is named. A pattern naming a
 * directory takes all of it (`dist` is `dist/**`); dotfiles are included; `exclude` patterns are
 * matched the same way.
 */
import { readdir, type Dirent } from "node:fs";
import { ArtifactUnsafePathError } from "./errors.ts";
import { unsafePatternReason } from "./safe-paths.ts";

type ReaddirCallback = (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void;

function asPlainFile(entry: Dirent): Dirent {
  if (entry.isDirectory() || entry.isFile()) return entry;
  return Object.assign(Object.create(Object.getPrototypeOf(entry) as object) as Dirent, entry, {
    isFile: () => true,
    isDirectory: () => false,
    isSymbolicLink: () => false,
  });
}

const fsAdapter = {
  readdir: (path: string, options: { withFileTypes: true }, callback: ReaddirCallback) => {
    readdir(path, options, (error, entries) => callback(error, error ? [] : entries.map(asPlainFile)));
  },
};

export interface OutputMatch {
  /** Relative posix paths, sorted, without duplicates. */
  readonly paths: readonly string[];
  /** The patterns that matched nothing (after `exclude`). */
  readonly unmatched: readonly string[];
}

/** Throws ArtifactUnsafePathError for an absolute pattern or one with `..`. */
export function checkPatterns(outputLabel: string, patterns: readonly string[], exclude: readonly string[]): void {
  for (const pattern of [...patterns, ...exclude]) {
    const reason = unsafePatternReason(pattern);
    if (reason) throw new ArtifactUnsafePathError(`output ${outputLabel}: path ${JSON.stringify(pattern)} is refused: ${reason}`, pattern);
  }
}

export async function matchOutput(workspaceRoot: string, patterns: readonly string[], exclude: readonly string[]): Promise<OutputMatch> {
  const all = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const { glob } = await import("tinyglobby");
    const found = await glob([pattern], {
      cwd: workspaceRoot,
      dot: true,
      followSymbolicLinks: false,
      onlyFiles: true,
      expandDirectories: true,
      ignore: [...exclude],
      // The adapter's readdir has the callback signature fdir uses; the other fs functions stay node's.
      fs: fsAdapter as never,
    });
    if (found.length === 0) unmatched.push(pattern);
    for (const path of found) all.add(path);
  }
  return { paths: [...all].sort(), unmatched };
}
