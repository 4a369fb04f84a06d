/**
 * The stat cache (like git's index): `.pipec/snapshot-cache.json` remembers, per project file, the
 * stat it had when it was last hashed (size, mtime, ctime, inode, mode, all to the nanosecond) and its
 * digest. A file whose stat is the same is not read again. ctime and inode catch what mtime and size
 * alone miss: a file rewritten with the same size and its mtime set back, or replaced by another file
 * (a rename, a checkout), changes one of them whatever a program does with utimes.
 *
 * Racy entries: a file changed within the file system's timestamp resolution of the moment it was
 * hashed could change again without its stat showing it. As git does, an entry whose mtime or ctime
 * is less than RACY_WINDOW_MS before the scan that hashed it is never trusted: it is hashed again
 * (cheap: it was just written) until it is older. 2 s covers file systems with 1-2 s timestamps.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export const STAT_CACHE_FILE = "snapshot-cache.json";
export const RACY_WINDOW_MS = 2000;

const FORMAT = "pipec-stat-cache/1";

/** [size, mtimeNs, ctimeNs, ino, mode, digest]; the big numbers as decimal strings. */
type Entry = [number, string, string, string, number, string];
/** The header; entries are checked one by one when used (a schema pass over 100,000 of them costs more than the scan). */
const StatCacheSchema = z.object({
  format: z.literal(FORMAT),
  /** The store the digests' objects are in. */
  store: z.string(),
  /** The snapshot (artifact id) these entries are exactly the files of. */
  snapshot: z.string(),
  /** When the scan that made it began (ms since the epoch). */
  scannedAt: z.number(),
  entries: z.custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value)),
});

export interface FileStat {
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly mode: number;
}

export interface StatCache {
  readonly snapshot: string | null;
  /** The digest of `path` when its stat is as cached and the entry is not racy, else null. */
  digestOf(path: string, stat: FileStat): string | null;
}

export const EMPTY_STAT_CACHE: StatCache = { snapshot: null, digestOf: () => null };

/** The cache for `storeRoot`; an empty one when the file is missing, damaged or for another store. */
export function readStatCache(file: string, storeRoot: string): StatCache {
  let parsed;
  try {
    parsed = StatCacheSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return EMPTY_STAT_CACHE;
  }
  if (!parsed.success || parsed.data.store !== storeRoot) return EMPTY_STAT_CACHE;
  const { entries, scannedAt, snapshot } = parsed.data;
  const racyFrom = BigInt(scannedAt - RACY_WINDOW_MS) * 1_000_000n;
  return {
    snapshot,
    digestOf(path, stat) {
      const entry = Object.hasOwn(entries, path) ? entries[path] : undefined;
      if (!isEntry(entry)) return null;
      const [size, mtimeNs, ctimeNs, ino, mode, digest] = entry;
      if (size !== stat.size || mode !== stat.mode || mtimeNs !== String(stat.mtimeNs) || ctimeNs !== String(stat.ctimeNs) || ino !== String(stat.ino)) return null;
      return stat.mtimeNs >= racyFrom || stat.ctimeNs >= racyFrom ? null : digest;
    },
  };
}

/** The cache's text for a snapshot: every file's stat as scanned, with its digest. */
export function statCacheText(storeRoot: string, snapshot: string, scannedAt: number, files: Iterable<readonly [string, FileStat, string]>): string {
  const entries: Record<string, Entry> = {};
  for (const [path, stat, digest] of files) entries[path] = [stat.size, String(stat.mtimeNs), String(stat.ctimeNs), String(stat.ino), stat.mode, digest];
  return JSON.stringify({ format: FORMAT, store: storeRoot, snapshot, scannedAt, entries });
}

function isEntry(value: unknown): value is Entry {
  return Array.isArray(value) && value.length === 6 && typeof value[0] === "number" && typeof value[4] === "number" && [1, 2, 3, 5].every((i) => typeof value[i] === "string");
}
