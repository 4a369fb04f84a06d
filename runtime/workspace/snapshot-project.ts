/**
 * The project's files as a run sees them, taken once at the start of the run so that edits made
 * while it goes on do not leak into its jobs, and every job starts from the same files. The snapshot
 * is content-addressed and shared: its files are objects in the artifact store, stored once whatever
 * the number of runs; only files whose stat changed since the last snapshot are read (stat-cache.ts);
 * a run whose tree did not change writes a record of a few hundred bytes, copies nothing, and
 * neither rebuilds the manifest nor rewrites the stat cache: it makes no object per file at all
 * (its entries are read from the stat cache only when a job needs them, for a workspace or a key).
 */
import { mkdir, realpath, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ArtifactInfo, ArtifactStore, ManifestEntry } from "../artifacts/index.ts";
import { writeFileAtomic } from "../artifacts/atomic-file.ts";
import { scanProject } from "./scan-project.ts";
import { OLD_STAT_CACHE_FILES, readStatCache, STAT_CACHE_FILE, statCacheBytes, type CachedFile } from "./stat-cache.ts";

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
  /** The bytes of small files read this time, by digest (within `keep`), for job workspaces. */
  readonly contents: ReadonlyMap<string, Buffer>;
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
  /** Keep the bytes of small files read this time (see ProjectSnapshot.contents). @default none */
  readonly keep?: { readonly fileBytes: number; readonly totalBytes: number };
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
  const { links, files } = scan;
  // Every file as cached (each cache entry matched once) and the same symlinks: the cached snapshot's manifest is this one.
  const unchanged = cache.manifest !== null && scan.unknown === 0 && files === cache.files && cache.hits() === cache.files && sameLinks(links, cache.links);
  if (unchanged && cache.snapshot !== null) {
    // Not one file object or digest is made: the entries come from the stat cache if the run asks for them.
    const record = await store.snapshotAgain({ runId: options.runId, pipeline: options.pipeline, holdFor: options.runId, basis: cache.snapshot, manifest: cache.manifest!, files: files + links.length, bytes: cache.bytes });
    if (record !== null) {
      let entries: readonly ManifestEntry[] | undefined;
      return {
        record,
        get entries() {
          return (entries ??= cache.entries());
        },
        warnings: scan.warnings,
        selection: scan.selection,
        hashed: 0,
        hashedBytes: 0,
        contents: new Map(),
      };
    }
  }
  const stored = await store.snapshot(projectDir, scan.inputs, {
    runId: options.runId,
    pipeline: options.pipeline,
    holdFor: options.runId,
    basis: cache.snapshot,
    manifest: unchanged ? cache.manifest : null,
    keep: options.keep,
  });
  if (!(unchanged && stored.basisFound && stored.record.manifest === cache.manifest)) {
    const cached: CachedFile[] = [];
    scan.inputs.forEach((input, index) => {
      const entry = stored.inInputOrder[index];
      if (input.kind === "file" && entry?.kind === "file") cached.push({ path: input.path, stat: input, digest: entry.digest });
    });
    const bytes = statCacheBytes({ storeRoot: store.root, snapshot: stored.record.id, manifest: stored.record.manifest, scannedAt, files: cached, links });
    // Best effort: without it the next run reads every file again, nothing worse.
    await mkdir(dirname(cacheFile), { recursive: true })
      .then(() => writeFileAtomic(options.pipecDir, cacheFile, bytes))
      .then(() => Promise.all(OLD_STAT_CACHE_FILES.map((name) => rm(join(options.pipecDir, name), { force: true }))))
      .catch(() => {});
  }
  return {
    record: stored.record,
    entries: stored.entries,
    warnings: scan.warnings,
    selection: scan.selection,
    hashed: stored.hashed,
    hashedBytes: stored.hashedBytes,
    contents: stored.contents,
  };
}

function sameLinks(a: readonly (readonly [string, string])[], b: readonly (readonly [string, string])[]): boolean {
  return a.length === b.length && a.every(([path, target], index) => b[index]![0] === path && b[index]![1] === target);
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
