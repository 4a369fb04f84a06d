/**
 * Project snapshots in the store: a run's view of the project is an artifact like any job output
 * (job `(project)`, name `snapshot`), so its files are stored once, shared by every run and job cache
 * entry that names them, and collected by the same gc. The caller (runtime/workspace) says which
 * files there are and, for the files whose stat did not change since the last snapshot, their
 * digest: those are not read again. The rest are read once, through sha256, into the store.
 *
 * A file that changes while it is read (its size or mtime differs from what the scan saw, or from
 * what was read) fails the snapshot, naming it. Objects are written without a flush each (see
 * putObject), the small files read this time into one pack when there are many (pack.ts); the
 * manifest and the record are written as for any artifact, record last, so a crash leaves at most
 * unreferenced objects that gc removes. When nothing changed, the manifest object is
 * already there (the caller may even name it, and it is not rebuilt) and only the record (a few
 * hundred bytes) is new. Small files read this time may be kept in memory (`keep`), so that job
 * workspaces are written from them rather than copied back out of the store.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "./atomic-file.ts";
import { breather } from "./breather.ts";
import { ARTIFACT_ERROR_CODES, ArtifactError } from "./errors.ts";
import { FilePool } from "./file-pool.ts";
import { writeHolder } from "./holders.ts";
import type { StoreContext } from "./layout.ts";
import { manifestLines, type ManifestEntry } from "./manifest.ts";
import { CHUNK, forEachLimited, ObjectWriter, putObject } from "./object-store.ts";
import { PACK_MIN_OBJECTS, PACKED_MAX_BYTES, PackWriter, Packs } from "./pack.ts";
import { processRef } from "./process-identity.ts";
import { artifactId, type ArtifactInfo, type ArtifactRecord } from "./record.ts";
import { registerWriter, waitForGc } from "./store-lock.ts";

/** The job and output names of snapshot artifacts: parentheses keep them apart from any plan job. */
export const SNAPSHOT_JOB = "(project)";
export const SNAPSHOT_NAME = "snapshot";

/** A regular file as the scan saw it; `digest` when its stat matched the stat cache (its object is in the store). */
export interface SnapshotFile {
  readonly path: string;
  readonly kind: "file";
  readonly mode: number;
  readonly size: number;
  /** The scan's mtime (ms, as lstat gives it): reading checks the file still has it. */
  readonly mtimeMs: number;
  readonly digest: string | null;
}
export type SnapshotInput = SnapshotFile | Extract<ManifestEntry, { kind: "symlink" }>;

export interface StoredSnapshot {
  readonly record: ArtifactInfo;
  /** The snapshot's entries, sorted by path, every file with its digest. */
  readonly entries: readonly ManifestEntry[];
  /** The same entries in the order of the inputs. */
  readonly inInputOrder: readonly ManifestEntry[];
  /** The bytes of small files read this time, by digest, within `keep`'s bounds. */
  readonly contents: ReadonlyMap<string, Buffer>;
  /** Files read and stored (not known from the stat cache). */
  readonly hashed: number;
  readonly hashedBytes: number;
  /** Whether `basis` still existed, so every digest given was taken as it is. */
  readonly basisFound: boolean;
}

/** The snapshot could not be made: a file unreadable or changing, the store's disk full. `path` is relative to the project, when one file is to blame. */
export class SnapshotError extends ArtifactError {
  override readonly name = "SnapshotError";
  constructor(
    message: string,
    readonly path: string | null,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, code: ARTIFACT_ERROR_CODES.snapshot });
  }
}

export interface SnapshotMeta {
  readonly runId: string;
  readonly pipeline: string;
  /** A holder (the run id) protecting the snapshot from gc from the moment its record exists. */
  readonly holdFor?: string;
  /** The snapshot the inputs' digests were known from (the stat cache's), if any. */
  readonly basis?: string | null;
  /** The manifest digest of `basis`, when the inputs are known to be exactly its entries (so it is not rebuilt). */
  readonly manifest?: string | null;
  /** Keep the bytes of files read this time, up to `fileBytes` each and `totalBytes` in all. @default none */
  readonly keep?: { readonly fileBytes: number; readonly totalBytes: number };
}

export async function storeSnapshot(
  context: StoreContext,
  root: string,
  inputs: readonly SnapshotInput[],
  meta: SnapshotMeta,
): Promise<StoredSnapshot> {
  const { layout } = context;
  const unregister = await registerWriter(layout);
  try {
    await waitForGc(layout, context.gcWaitMs);
    // From here no gc deletes an object (a writer is registered). A digest from the stat cache may be
    // trusted when the snapshot it came from still exists (its objects do); else each is looked for.
    const trusted = meta.basis != null && lstatSync(layout.record(meta.basis), { throwIfNoEntry: false }) !== undefined;
    const entries: ManifestEntry[] = new Array(inputs.length);
    const reads: number[] = [];
    let packs: Packs | undefined;
    const stored = (digest: string) => lstatSync(layout.object(digest), { throwIfNoEntry: false }) !== undefined || (packs ??= Packs.load(layout)).find(digest) !== undefined;
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index]!;
      if (input.kind === "symlink") entries[index] = { path: input.path, kind: "symlink", target: input.target };
      else if (input.digest !== null && (trusted || stored(input.digest))) {
        entries[index] = { path: input.path, kind: "file", mode: input.mode, size: input.size, digest: input.digest };
      } else reads.push(index);
    }
    const kept = new Map<string, Buffer>();
    let keptBytes = 0;
    const keep = meta.keep ?? { fileBytes: 0, totalBytes: 0 };
    let hashedBytes = 0;
    // Small files are read synchronously (a promise per call costs more than the call) and written through a FilePool; large ones streamed.
    const small: number[] = [];
    const large: number[] = [];
    for (const index of reads) ((inputs[index] as SnapshotFile).size < CHUNK ? small : large).push(index);
    const writer = new ObjectWriter(layout);
    const pool = new FilePool();
    const breathe = breather();
    // Many small objects go into one pack (two file creations instead of one each), a few stay loose files.
    const pack = small.filter((index) => inputs[index]!.kind === "file" && (inputs[index] as SnapshotFile).size <= PACKED_MAX_BYTES).length >= PACK_MIN_OBJECTS ? new PackWriter(layout) : null;
    try {
      for (const index of small) {
        const file = inputs[index] as SnapshotFile;
        const bytes = readWhole(root, file);
        const digest = createHash("sha256").update(bytes).digest("hex");
        const full =
          pack !== null && bytes.length <= PACKED_MAX_BYTES
            ? storeWriteSync(file.path, () => pack.add(digest, bytes))
            : storeWriteSync(file.path, () => pool.add(writer.task(digest, bytes, (error) => storeWriteFailed(file.path, error))));
        if (bytes.length <= keep.fileBytes && keptBytes + bytes.length <= keep.totalBytes && !kept.has(digest)) {
          kept.set(digest, bytes);
          keptBytes += bytes.length;
        }
        hashedBytes += file.size;
        entries[index] = { path: file.path, kind: "file", mode: file.mode, size: file.size, digest };
        // A pool that is full lets the event loop in; a loop of packed files only does so every few milliseconds.
        const pause = full ?? breathe();
        if (pause) await pause;
      }
      await pool.drain();
      if (pack !== null) storeWriteSync("the snapshot's pack of small files", () => pack.finish());
    } catch (error) {
      // No object write outlives the snapshot that failed (a temp file, a rename after the writer is unregistered).
      await pool.drain().catch(() => {});
      pack?.abandon();
      throw error;
    }
    await forEachLimited(large, Math.max(8, context.concurrency), async (index) => {
      const file = inputs[index] as SnapshotFile;
      const digest = await storeFile(context, root, file);
      hashedBytes += file.size;
      entries[index] = { path: file.path, kind: "file", mode: file.mode, size: file.size, digest };
    });
    const inInputOrder = entries.slice();
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // The stat cache says these entries are exactly its snapshot's: that manifest, when its object is there, is theirs.
    const known = trusted && reads.length === 0 && meta.manifest != null && lstatSync(layout.object(meta.manifest), { throwIfNoEntry: false })?.isFile() === true;
    const manifest = known ? meta.manifest! : await putManifest(context, entries);
    const now = context.now();
    const record: ArtifactRecord = {
      version: 1,
      id: artifactId({ pipeline: meta.pipeline, runId: meta.runId, job: SNAPSHOT_JOB, name: SNAPSHOT_NAME, manifest }),
      name: SNAPSHOT_NAME,
      job: SNAPSHOT_JOB,
      runId: meta.runId,
      pipeline: meta.pipeline,
      manifest,
      files: entries.length,
      bytes: entries.reduce((sum, e) => sum + (e.kind === "file" ? e.size : 0), 0),
      createdAt: new Date(now).toISOString(),
      expiresAt: null,
    };
    await storeWrite(`the snapshot's record`, async () => {
      // The holder before the record (see gc.ts), so a gc never sees the record unprotected.
      if (meta.holdFor !== undefined) await writeHolder(layout, meta.holdFor, [record.id], processRef(), now);
      await writeJsonAtomic(layout.tmp, layout.record(record.id), record);
    });
    return { record: { ...record, lastUsedAt: record.createdAt, pinned: false }, entries, inInputOrder, hashed: reads.length, hashedBytes, basisFound: trusted, contents: kept };
  } finally {
    await unregister();
  }
}

/**
 * Reads a small file whole (one read of its size and a byte more, which finds the end), checking it
 * is the file the scan saw: same size and mtime before and after, and no byte more or less.
 */
function readWhole(root: string, file: SnapshotFile): Buffer {
  let fd: number;
  try {
    fd = openSync(join(root, file.path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    throw openFailed(file.path, cause);
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile() || before.mtimeMs !== file.mtimeMs || before.size !== file.size) throw changed(file.path);
    const buffer = Buffer.allocUnsafe(file.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    const after = fstatSync(fd);
    if (length !== file.size || after.mtimeMs !== file.mtimeMs || after.size !== file.size) throw changed(file.path);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Reads one large file through sha256 into the store, streaming, checking it is the file the scan saw, whole. */
async function storeFile(context: StoreContext, root: string, file: SnapshotFile): Promise<string> {
  let handle;
  try {
    handle = await open(join(root, file.path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    throw openFailed(file.path, cause);
  }
  try {
    const before = await handle.stat();
    if (!before.isFile() || before.mtimeMs !== file.mtimeMs || before.size !== file.size) throw changed(file.path);
    const stored = await storeWrite(file.path, () => putObject(context.layout, handle, file.size, { sync: false }));
    const after = await handle.stat();
    if (stored.size !== file.size || after.mtimeMs !== file.mtimeMs || after.size !== file.size) throw changed(file.path);
    return stored.digest;
  } finally {
    await handle.close();
  }
}

function openFailed(path: string, cause: unknown): SnapshotError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") {
    return new SnapshotError(`cannot read ${path}: permission denied; make it readable (chmod +r), or leave it out of the project (.gitignore)`, path, { cause });
  }
  if (code === "ENOENT" || code === "ELOOP") return changed(path, { cause });
  return new SnapshotError(`cannot read ${path}: ${(cause as Error).message}`, path, { cause });
}

function changed(path: string, options?: { cause?: unknown }): SnapshotError {
  return new SnapshotError(`${path} changed while pipec took the run's snapshot of the project; run again once it is written (a file a program keeps writing belongs in .gitignore)`, path, options);
}

/** The manifest object: hashed in memory first, written only when the store does not hold it yet (an unchanged tree writes nothing). */
async function putManifest(context: StoreContext, entries: readonly ManifestEntry[]): Promise<string> {
  const text = [...manifestLines(entries)].join("");
  const digest = createHash("sha256").update(text).digest("hex");
  const target = context.layout.object(digest);
  const existing = await lstat(target).catch(() => null);
  if (existing?.isFile() && existing.size === Buffer.byteLength(text)) return digest;
  await storeWrite("the snapshot's manifest", () => writeFileAtomic(context.layout.tmp, target, text, 0o444));
  return digest;
}

/** A write to the store, its failure named in the user's words (a full disk above all). */
export async function storeWrite<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (cause) {
    throw storeWriteFailed(what, cause);
  }
}

function storeWriteSync<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (cause) {
    throw storeWriteFailed(what, cause);
  }
}

function storeWriteFailed(what: string, cause: unknown): SnapshotError {
  if (cause instanceof SnapshotError) return cause;
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === "ENOSPC" || code === "EDQUOT" ? "the disk is full" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "permission denied" : (cause as Error).message;
  return new SnapshotError(`cannot store ${what} in the artifact store: ${why}; free some space (pipec runs gc, pipec artifacts gc) or fix the store's permissions, then run again`, null, { cause });
}

