/**
 * lstat for the scan of every project file, without an `fs.Stats` per file. Node 20's Stats builds
 * four Date objects on every call (Node 22 builds them only when read), which cost a cached run of
 * 100,000 files more than the lstat calls themselves, in time and garbage. On Node 20 the scan reads
 * the numbers Node's own lstatSync reads (its fs binding: the same call, the same Float64Array, the
 * same ms arithmetic), into one reused object. That binding is Node's internal API, so it is used
 * only where it was checked: Node 20, no permission model, no --pending-deprecation (which would
 * warn), and only after it answered exactly as lstatSync for a real file. Anywhere else, lstatSync.
 */
import { constants, lstatSync } from "node:fs";

/** What the scan needs of a stat. The object is reused: read it before the next call. */
export interface FileStatFields {
  /** st_mode: the type (S_IFMT bits) and the permissions. */
  mode: number;
  size: number;
  /** As fs.Stats gives them: milliseconds in a double. */
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** lstat of `path`; undefined when nothing is there. Throws as lstatSync does for any other error. */
export type Lstat = (path: string) => FileStatFields | undefined;

export const S_IFMT = constants.S_IFMT;
export const S_IFREG = constants.S_IFREG;
export const S_IFDIR = constants.S_IFDIR;
export const S_IFLNK = constants.S_IFLNK;
export const S_IFIFO = constants.S_IFIFO;
export const S_IFSOCK = constants.S_IFSOCK;

const NO_THROW = { throwIfNoEntry: false } as const;

/** Node 20's `binding.lstat(path, bigint, req, throwIfNoEntry)`: st_* in a Float64Array, times as seconds and nanoseconds. */
type RawLstat = (path: string, bigint: false, req: undefined, throwIfNoEntry: boolean) => Float64Array | undefined;
const MODE = 1;
const INO = 7;
const SIZE = 8;
const MTIME_S = 12;
const CTIME_S = 14;

let raw: RawLstat | null | undefined;

/** A new lstat with its own reused result object. */
export function createLstat(): Lstat {
  const slot: FileStatFields = { mode: 0, size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 };
  raw ??= checkedRawLstat();
  const fast = raw;
  if (fast !== null) {
    return (path) => {
      const values = fast(path, false, undefined, false);
      if (values === undefined) return undefined;
      slot.mode = values[MODE]!;
      slot.ino = values[INO]!;
      slot.size = values[SIZE]!;
      // As Node's msFromTimeSpec: the same doubles fs.Stats would hold (the stat cache and the store compare them exactly).
      slot.mtimeMs = values[MTIME_S]! * 1e3 + values[MTIME_S + 1]! / 1e6;
      slot.ctimeMs = values[CTIME_S]! * 1e3 + values[CTIME_S + 1]! / 1e6;
      return slot;
    };
  }
  return (path) => {
    const stats = lstatSync(path, NO_THROW);
    if (stats === undefined) return undefined;
    slot.mode = stats.mode;
    slot.ino = stats.ino;
    slot.size = stats.size;
    slot.mtimeMs = stats.mtimeMs;
    slot.ctimeMs = stats.ctimeMs;
    return slot;
  };
}

/** Whether the fast route is in use here (for tests). */
export function usesRawLstat(): boolean {
  raw ??= checkedRawLstat();
  return raw !== null;
}

function checkedRawLstat(): RawLstat | null {
  if (process.versions.node.split(".")[0] !== "20") return null;
  if ((process as { permission?: unknown }).permission !== undefined) return null;
  const pending = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].includes("--pending-deprecation") || process.env.NODE_PENDING_DEPRECATION === "1";
  if (pending) return null;
  try {
    const binding = (process as unknown as { binding(name: string): { lstat?: unknown } }).binding("fs");
    if (typeof binding.lstat !== "function") return null;
    const lstat = binding.lstat.bind(binding) as RawLstat;
    const probe = process.execPath;
    const values = lstat(probe, false, undefined, false);
    const stats = lstatSync(probe);
    if (!(values instanceof Float64Array) || values.length < CTIME_S + 2) return null;
    const same =
      values[MODE] === stats.mode &&
      values[INO] === stats.ino &&
      values[SIZE] === stats.size &&
      values[MTIME_S]! * 1e3 + values[MTIME_S + 1]! / 1e6 === stats.mtimeMs &&
      values[CTIME_S]! * 1e3 + values[CTIME_S + 1]! / 1e6 === stats.ctimeMs;
    return same ? lstat : null;
  } catch {
    return null;
  }
}
