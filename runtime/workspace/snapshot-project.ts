/**
 * The project's files as a run sees them, taken once at the start of the run so that edits made
 * while it goes on do not leak into its jobs, and every job starts from the same files. The snapshot
 * is content-addressed and shared: its files are objects in the artifact store, stored once whatever
 * the number of runs; only files whose stat changed since the last snapshot are read (stat-cache.ts);
 * a run whose tree did not change writes a record of a few hundred bytes and copies nothing.
 */
import { mkdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ArtifactInfo, ArtifactStore, ManifestEntry } from "../artifacts/index.ts";
import { writeFileAtomic } from "../artifacts/atomic-file.ts";
import { scanProject } from "./scan-project.ts";
import { readStatCache, STAT_CACHE_FILE, statCacheText, type FileStat } from "./stat-cache.ts";

export interface ProjectSnapshot {
  /** The snapshot's artifact (job `(project)`, name `snapshot`), held for the run. */
  readonly record: ArtifactInfo;
  /** Its files and symlinks, sorted by path. */
  readonly entries: readonly ManifestEntry[];
  readonly warnings: readonly string[];
  readonly selection: "git" | "all";
  /** Files read this time (their stat changed, or they are new), and their bytes. */
  readonly hashed: number;
  readonly hashedBytes: number;
}

export interface SnapshotOptions {
  readonly projectDir: string;
  readonly store: ArtifactStore;
  readonly runId: string;
  readonly pipeline: string;
  /** Where the stat cache lives (`.pipec/` of the project). */
  readonly pipecDir: string;
  /** Absolute paths never taken (the run's folder, files of secret values), wherever they lie. */
  readonly excluded?: readonly string[];
  /** The clock, for the stat cache's racy-entry rule. @default Date.now */
  readonly now?: () => number;
}

/**
 * Inside a git work tree .gitignore is honoured (`git ls-files --cached --others --exclude-standard`);
 * elsewhere every file is taken except `.git`, `.pipec` and `node_modules`. Modes and symlinks are
 * kept (directories are not recorded: empty ones are not kept); a symlink that points outside the
 * project is skipped and named in `warnings`. Throws SnapshotError naming the file that cannot be
 * read or changed while read, or the store write that failed; nothing half-written is left.
 */
export async function snapshotProject(options: SnapshotOptions): Promise<ProjectSnapshot> {
  const { projectDir, store } = options;
  const scannedAt = (options.now ?? Date.now)();
  const cacheFile = join(options.pipecDir, STAT_CACHE_FILE);
  const cache = readStatCache(cacheFile, store.root);
  const skip = new Set((await Promise.all((options.excluded ?? []).map((path) => pathsInProject(projectDir, path)))).flat());
  const scan = await scanProject(projectDir, cache, skip);
  const stored = await store.snapshot(projectDir, scan.inputs, { runId: options.runId, pipeline: options.pipeline, holdFor: options.runId, basis: cache.snapshot });
  if (stored.hashed > 0 || !stored.basisFound) {
    const files = function* (): Generator<readonly [string, FileStat, string]> {
      for (const entry of stored.entries) {
        const stat = entry.kind === "file" ? scan.stats.get(entry.path) : undefined;
        if (stat && entry.kind === "file") yield [entry.path, stat, entry.digest];
      }
    };
    // Best effort: without it the next run reads every file again, nothing worse.
    await mkdir(dirname(cacheFile), { recursive: true })
      .then(() => writeFileAtomic(options.pipecDir, cacheFile, statCacheText(store.root, stored.record.id, scannedAt, files())))
      .catch(() => {});
  }
  return { record: stored.record, entries: stored.entries, warnings: scan.warnings, selection: scan.selection, hashed: stored.hashed, hashedBytes: stored.hashedBytes };
}

/**
 * `path` relative to the project ("/"-separated), as written and with symlinks resolved on both
 * sides (a secrets file named through a linked folder is still the same file); none when outside.
 */
async function pathsInProject(projectDir: string, path: string): Promise<string[]> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const pairs: Array<[string, string]> = [
    [resolve(projectDir), resolve(path)],
    [await real(projectDir), await real(path)],
  ];
  return pairs.flatMap(([root, target]) => {
    const inside = relative(root, target);
    return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? [inside.split(sep).join("/")] : [];
  });
}
