/**
 * The stat cache (like git's index): `.pipec/snapshot-cache.bin` remembers, per project file, the
 * stat it had when it was last hashed (size, mtime, ctime, inode, mode) and its digest, and the
 * snapshot those files are exactly the files of (with its symlinks and manifest). A file whose stat
 * is the same is not read again; a tree whose every file and symlink is as cached is that snapshot
 * again, and its manifest is not even rebuilt. ctime and inode catch what mtime and size alone miss:
 * a file rewritten with the same size and its mtime set back, or replaced by another file (a rename,
 * a checkout), changes one of them whatever a program does with utimes.
 *
 * Times are kept as Node gives them without BigInt (milliseconds in a double: to a fraction of a
 * microsecond), which the racy rule makes enough: an entry is trusted only when its mtime and ctime
 * are RACY_WINDOW_MS older than the scan that hashed it, so any later change of the file moves its
 * ctime by more than that. As git does, an entry whose mtime or ctime is less than RACY_WINDOW_MS
 * before that scan is hashed again (cheap: it was just written) until it is older. 2 s covers file
 * systems with 1-2 s timestamps.
 *
 * The format is binary, read in one piece and looked up without parsing an entry per file (a JSON
 * object of 100,000 entries cost more to load than the scan itself): a JSON header line, then the
 * numbers of every file (5 doubles each), their digests (32 bytes each), the offsets of their paths
 * and the paths (UTF-8), each block 8-byte aligned. Anything damaged or unexpected reads as empty.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { z } from "zod";
import type { ManifestEntry } from "../artifacts/index.ts";

export const STAT_CACHE_FILE = "snapshot-cache.bin";
/** The JSON cache of earlier versions: removed when the new one is written. */
export const OLD_STAT_CACHE_FILES = ["snapshot-cache.json"] as const;
export const RACY_WINDOW_MS = 2000;

const FORMAT = "pipec-stat-cache/2";
const NUMBERS = 5;
const DIGEST_BYTES = 32;

const HeaderSchema = z.object({
  format: z.literal(FORMAT),
  /** The store the digests' objects are in. */
  store: z.string(),
  /** The snapshot (artifact id) these entries are exactly the files and symlinks of. */
  snapshot: z.string(),
  /** That snapshot's manifest digest. */
  manifest: z.string(),
  /** When the scan that made it began (ms since the epoch). */
  scannedAt: z.number(),
  files: z.number().int().min(0),
  pathBytes: z.number().int().min(0),
  /** The snapshot's symlinks, [path, target], in path order. */
  links: z.array(z.tuple([z.string(), z.string()])),
});

/** A regular file's stat, as the scan takes it (`lstatSync` without BigInt). */
export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly mode: number;
}

export interface CachedFile {
  readonly path: string;
  readonly stat: FileStat;
  readonly digest: string;
}

export interface StatCache {
  /** The snapshot whose files and symlinks the entries are; null for an empty cache. */
  readonly snapshot: string | null;
  readonly manifest: string | null;
  /** How many files it holds. */
  readonly files: number;
  readonly links: readonly (readonly [string, string])[];
  /** The bytes of all its files. */
  readonly bytes: number;
  /**
   * The entry of `path` when its stat is as cached and the entry is not racy, else -1. Cheapest
   * when asked in the order the entries were written (a cursor follows), else found through a map.
   */
  match(path: string, stat: FileStat): number;
  /** `match`, answering with the entry's digest (null for -1). */
  digestOf(path: string, stat: FileStat): string | null;
  /**
   * For a scan that checks the entries before it is told which files there are: whether entry
   * `index`'s stat is `stat` and the entry is not racy (nothing is taken)...
   */
  matchesAt(index: number, stat: FileStat): boolean;
  /** ...then, for each path listed: the entry at the cursor when it is `path` (else -1), not taken... */
  peek(path: string): number;
  /** ...and takes it (as a hit of `match`), when it was checked. */
  take(index: number): void;
  /** Entry `index`'s path. */
  pathAt(index: number): string;
  /** Entry `index` as cached. */
  fileAt(index: number): CachedFile;
  /** Entry `index`'s digest. */
  digestAt(index: number): string;
  /** How many distinct entries match and digestOf have found so far. */
  hits(): number;
  /** The cached snapshot's files and symlinks, sorted by path, as its manifest lists them. */
  entries(): ManifestEntry[];
}

export const EMPTY_STAT_CACHE: StatCache = {
  snapshot: null,
  manifest: null,
  files: 0,
  links: [],
  bytes: 0,
  match: () => -1,
  digestOf: () => null,
  matchesAt: () => false,
  peek: () => -1,
  take: (index) => {
    throw new RangeError(`no entry ${index} in an empty stat cache`);
  },
  pathAt: (index) => {
    throw new RangeError(`no entry ${index} in an empty stat cache`);
  },
  fileAt: (index) => {
    throw new RangeError(`no entry ${index} in an empty stat cache`);
  },
  digestAt: (index) => {
    throw new RangeError(`no entry ${index} in an empty stat cache`);
  },
  hits: () => 0,
  entries: () => [],
};

/** The cache for `storeRoot`; an empty one when the file is missing, damaged or for another store. */
export function readStatCache(file: string, storeRoot: string): StatCache {
  let bytes: Buffer;
  try {
    bytes = readAligned(file);
  } catch {
    return EMPTY_STAT_CACHE;
  }
  try {
    return parseStatCache(bytes, storeRoot) ?? EMPTY_STAT_CACHE;
  } catch {
    return EMPTY_STAT_CACHE;
  }
}

function parseStatCache(bytes: Buffer, storeRoot: string): StatCache | null {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) return null;
  const header = HeaderSchema.safeParse(JSON.parse(bytes.toString("utf8", 0, newline)));
  if (!header.success || header.data.store !== storeRoot) return null;
  const { files: count, pathBytes, scannedAt } = header.data;
  const layout = blocks(newline + 1, count, pathBytes);
  if (bytes.length !== layout.end) return null;
  // Read 8-byte aligned (see readAligned), so the numbers and offsets are typed-array views, not a read per value.
  if (bytes.byteOffset % 8 !== 0) return null;
  const all = bytes;
  const numbers = new Float64Array(all.buffer, all.byteOffset + layout.numbers, count * NUMBERS);
  const offsets = new Uint32Array(all.buffer, all.byteOffset + layout.offsets, count + 1);
  if (offsets[count] !== pathBytes) return null;
  // Paths all ASCII (the usual case): one string for all of them, whose character offsets are the byte
  // offsets, so the scan's path is compared in place rather than decoded into a string per entry.
  const ascii = all.toString("latin1", layout.paths, layout.end);
  const isAscii = !/[^\x00-\x7f]/.test(ascii);
  const pathAt = (index: number) => (isAscii ? ascii.slice(offsets[index]!, offsets[index + 1]!) : all.toString("utf8", layout.paths + offsets[index]!, layout.paths + offsets[index + 1]!));
  const isAt = (index: number, path: string) => (isAscii ? offsets[index + 1]! - offsets[index]! === path.length && ascii.startsWith(path, offsets[index]!) : pathAt(index) === path);
  const racyFrom = scannedAt - RACY_WINDOW_MS;
  const used = new Uint8Array(count);
  let hits = 0;
  let cursor = 0;
  let byPath: Map<string, number> | undefined;
  const indexOf = (path: string): number => {
    if (cursor < count && isAt(cursor, path)) return cursor++;
    if (byPath === undefined) {
      byPath = new Map();
      for (let i = 0; i < count; i++) byPath.set(pathAt(i), i);
    }
    const found = byPath.get(path);
    if (found === undefined) return -1;
    cursor = found + 1;
    return found;
  };
  const digestAt = (index: number) => all.toString("hex", layout.digests + index * DIGEST_BYTES, layout.digests + (index + 1) * DIGEST_BYTES);
  const matchesAt = (index: number, stat: FileStat): boolean => {
    const n = index * NUMBERS;
    if (numbers[n] !== stat.size || numbers[n + 1] !== stat.mtimeMs || numbers[n + 2] !== stat.ctimeMs || numbers[n + 3] !== stat.ino || numbers[n + 4] !== stat.mode) return false;
    return stat.mtimeMs < racyFrom && stat.ctimeMs < racyFrom;
  };
  const take = (index: number): void => {
    cursor = index + 1;
    if (used[index] === 0) {
      used[index] = 1;
      hits++;
    }
  };
  const match = (path: string, stat: FileStat): number => {
    const index = indexOf(path);
    if (index < 0 || !matchesAt(index, stat)) return -1;
    take(index);
    return index;
  };
  let fileBytes = 0;
  for (let i = 0; i < count; i++) fileBytes += numbers[i * NUMBERS]!;
  return {
    snapshot: header.data.snapshot,
    manifest: header.data.manifest,
    files: count,
    links: header.data.links,
    bytes: fileBytes,
    match,
    matchesAt,
    peek: (path) => (cursor < count && isAt(cursor, path) ? cursor : -1),
    take,
    pathAt,
    digestAt,
    digestOf(path, stat) {
      const index = match(path, stat);
      return index < 0 ? null : digestAt(index);
    },
    fileAt(index) {
      const n = index * NUMBERS;
      return { path: pathAt(index), stat: { size: numbers[n]!, mtimeMs: numbers[n + 1]!, ctimeMs: numbers[n + 2]!, ino: numbers[n + 3]!, mode: numbers[n + 4]! }, digest: digestAt(index) };
    },
    hits: () => hits,
    entries() {
      const entries: ManifestEntry[] = new Array(count + header.data.links.length);
      for (let i = 0; i < count; i++) entries[i] = { path: pathAt(i), kind: "file", mode: numbers[i * NUMBERS + 4]!, size: numbers[i * NUMBERS]!, digest: digestAt(i) };
      header.data.links.forEach(([path, target], i) => (entries[count + i] = { path, kind: "symlink", target }));
      return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
  };
}

/** The file's bytes at the start of a fresh ArrayBuffer (8-byte aligned): one read, no copy (10 MB for 100,000 files). */
function readAligned(file: string): Buffer {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.from(new ArrayBuffer(Math.ceil(size / 8) * 8), 0, size);
    let length = 0;
    for (let read = -1; read !== 0 && length < size; length += read) read = readSync(fd, bytes, length, size - length, null);
    return bytes.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

export interface StatCacheContent {
  readonly storeRoot: string;
  readonly snapshot: string;
  readonly manifest: string;
  /** When the scan began (ms since the epoch): entries changed less than RACY_WINDOW_MS before it are not trusted. */
  readonly scannedAt: number;
  readonly files: readonly CachedFile[];
  readonly links: readonly (readonly [string, string])[];
}

/** The cache file's bytes for a snapshot: every file's stat as scanned, with its digest. */
export function statCacheBytes(content: StatCacheContent): Buffer {
  const count = content.files.length;
  const paths = content.files.map((file) => Buffer.from(file.path, "utf8"));
  const pathBytes = paths.reduce((sum, path) => sum + path.length, 0);
  const header = Buffer.from(
    `${JSON.stringify({ format: FORMAT, store: content.storeRoot, snapshot: content.snapshot, manifest: content.manifest, scannedAt: content.scannedAt, files: count, pathBytes, links: content.links })}\n`,
    "utf8",
  );
  const layout = blocks(header.length, count, pathBytes);
  const aligned = new Float64Array(Math.ceil(layout.end / 8));
  const out = Buffer.from(aligned.buffer, 0, layout.end);
  header.copy(out, 0);
  const numbers = new Float64Array(aligned.buffer, layout.numbers, count * NUMBERS);
  const offsets = new Uint32Array(aligned.buffer, layout.offsets, count + 1);
  let offset = 0;
  content.files.forEach((file, index) => {
    numbers.set([file.stat.size, file.stat.mtimeMs, file.stat.ctimeMs, file.stat.ino, file.stat.mode], index * NUMBERS);
    out.write(file.digest, layout.digests + index * DIGEST_BYTES, DIGEST_BYTES, "hex");
    offsets[index] = offset;
    paths[index]!.copy(out, layout.paths + offset);
    offset += paths[index]!.length;
  });
  offsets[count] = offset;
  return out;
}

/** Where each block starts, and where the file ends: numbers, digests and offsets 8-byte aligned after the header. */
function blocks(headerBytes: number, count: number, pathBytes: number) {
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const numbers = align(headerBytes);
  const digests = numbers + count * NUMBERS * 8;
  const offsets = align(digests + count * DIGEST_BYTES);
  const paths = offsets + (count + 1) * 4;
  return { numbers, digests, offsets, paths, end: paths + pathBytes };
}
