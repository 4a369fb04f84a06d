/**
 * The objects: bytes named by their sha256. Writing copies the source through the hash into a temp
 * file in `tmp/` (one buffer per copy, 1 MiB at most, smaller for a file known to be small), flushes it, then renames it to
 * `objects/ab/cdef…`. The rename is the commit: a crash before it leaves only a temp file (removed
 * by gc), never a partial object. Identical bytes are stored once: the fresh temp file is renamed over
 * an existing object, so a damaged one (even of the right size) is healed by storing its bytes again.
 */
import { createHash } from "node:crypto";
import { constants, mkdirSync, rename as renameCallback, unlink as unlinkCallback } from "node:fs";
import { lstat, mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { tempPath } from "./atomic-file.ts";
import { createFileTask, type FileTask } from "./file-pool.ts";
import { DIGEST, type StoreLayout } from "./layout.ts";

/** Read and write in 1 MiB chunks: few syscalls, bounded memory. */
export const CHUNK = 1 << 20;

export interface StoredObject {
  readonly digest: string;
  readonly size: number;
  /** False when identical bytes were already stored. */
  readonly created: boolean;
}

/**
 * Copies `from` to `to` through sha256 with one reusable buffer: memory stays at CHUNK whatever the
 * size. `sizeHint` (the expected size, when known) sizes the buffer down for small files, so that
 * 20,000 small files do not each allocate a megabyte; a file larger than its hint still copies whole.
 */
export async function copyThroughHash(from: FileHandle, to: FileHandle, sizeHint = CHUNK): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, sizeHint + 1)));
  let size = 0;
  for (;;) {
    const { bytesRead } = await from.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    const bytes = buffer.subarray(0, bytesRead);
    hash.update(bytes);
    await to.write(bytes, 0, bytesRead);
    size += bytesRead;
  }
  return { digest: hash.digest("hex"), size };
}

/**
 * Stores the rest of an open file, or small generated text (a manifest), as an object. `sync: false`
 * skips the flush to disk (project snapshots: thousands of small files, where one fsync each would
 * cost more than the copy; the rename still makes a crash of pipec leave no partial object).
 */
export async function putObject(layout: StoreLayout, source: FileHandle | Iterable<string>, sizeHint?: number, options: { readonly sync?: boolean } = {}): Promise<StoredObject> {
  await mkdir(layout.tmp, { recursive: true });
  const temp = tempPath(layout.tmp);
  const handle = await open(temp, "wx", 0o444);
  try {
    let digest: string;
    let size = 0;
    try {
      if (isFileHandle(source)) {
        ({ digest, size } = await copyThroughHash(source, handle, sizeHint));
      } else {
        const hash = createHash("sha256");
        for (const text of source) {
          const bytes = Buffer.from(text);
          hash.update(bytes);
          size += bytes.byteLength;
          await handle.write(bytes);
        }
        digest = hash.digest("hex");
      }
      if (options.sync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    const target = layout.object(digest);
    const existing = await lstat(target).catch(() => null);
    // The temp file holds bytes just hashed to this digest, so it replaces whatever is there: an
    // existing object of the same size may still be damaged (a flipped bit), and keeping it would
    // hand the damage to the new artifact too. A rename costs the same as dropping the temp file.
    if (!existing) await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
    return { digest, size, created: !(existing?.isFile() && existing.size === size) };
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Writes small objects from bytes already in memory and hashed (a project snapshot's files:
 * thousands of them), as putObject with `sync: false`: a temp file in `tmp/` renamed to the object,
 * over whatever is there. Each write is a FilePool chain (file-pool.ts), so they run side by side on
 * libuv's threads while the caller reads the next files; each fan-out directory is made once per writer.
 */
export class ObjectWriter {
  private readonly dirs = new Set<string>();
  private tmpMade = false;
  private readonly umaskTakes = new Map<number, boolean>();

  constructor(private readonly layout: StoreLayout) {}

  /** The chain writing one object; `onError` names the failure (its temp file is removed first). */
  task(digest: string, bytes: Uint8Array, onError: (error: Error) => Error): FileTask {
    if (!this.tmpMade) {
      mkdirSync(this.layout.tmp, { recursive: true });
      this.tmpMade = true;
    }
    const target = this.layout.object(digest);
    const fanOut = digest.slice(0, 2);
    if (!this.dirs.has(fanOut)) {
      mkdirSync(dirname(target), { recursive: true });
      this.dirs.add(fanOut);
    }
    const temp = tempPath(this.layout.tmp);
    // The temp file's mode is read-only; whether the umask kept it does not matter (objects are never written in place).
    this.umaskTakes.set(0o444, false);
    const create = createFileTask(temp, bytes, 0o444, this.umaskTakes);
    const failed = (done: (error: Error) => void, error: Error) => unlinkCallback(temp, () => done(onError(error)));
    return (done) =>
      create((error) => {
        if (error) return failed(done, error);
        renameCallback(temp, target, (renameError) => (renameError ? failed(done, renameError) : done()));
      });
  }
}

function isFileHandle(source: FileHandle | Iterable<string>): source is FileHandle {
  return typeof (source as FileHandle).read === "function" && typeof (source as FileHandle).fd === "number";
}

/**
 * Opens a file of the store for reading, never following a symlink and never waiting on a special
 * file: a FIFO put in an object's place would block open() (in a libuv thread that even a second
 * Ctrl-C waits for at exit). Returns the handle, or what is there instead ("missing", "a FIFO", ...).
 */
export async function openStoreFile(path: string): Promise<FileHandle | { readonly notAFile: string }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { notAFile: "missing" };
    if (code === "ELOOP") return { notAFile: "a symlink, not a regular file" };
    if (code === "ENXIO") return { notAFile: "a socket, not a regular file" };
    throw error;
  }
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (stats.isFile()) return handle;
  await handle.close();
  const kind = stats.isFIFO() ? "a FIFO" : stats.isDirectory() ? "a directory" : stats.isCharacterDevice() || stats.isBlockDevice() ? "a device" : "a special file";
  return { notAFile: `${kind}, not a regular file` };
}

export function isOpen(opened: FileHandle | { readonly notAFile: string }): opened is FileHandle {
  return !("notAFile" in opened);
}

/** sha256 and size of a file, read with one reused buffer; null when the file does not exist, `actual` naming what is there when it is no regular file. */
export async function hashFile(path: string): Promise<{ digest: string; size: number } | null> {
  const opened = await openStoreFile(path);
  if (!isOpen(opened)) return opened.notAFile === "missing" ? null : { digest: opened.notAFile, size: 0 };
  const handle = opened;
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { digest: hash.digest("hex"), size };
  } finally {
    await handle.close();
  }
}

/** Every object in the store, by walking `objects/`. Names that are not digests are skipped. */
export async function* listObjects(layout: StoreLayout): AsyncGenerator<{ digest: string; path: string; size: number }> {
  const fans = await readdir(layout.objects).catch(() => [] as string[]);
  for (const fan of fans.sort()) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    const names = await readdir(`${layout.objects}/${fan}`).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const digest = fan + name;
      if (!DIGEST.test(digest)) continue;
      const path = layout.object(digest);
      const stats = await lstat(path).catch(() => null);
      if (stats?.isFile()) yield { digest, path, size: stats.size };
    }
  }
}

/** Runs `task` over `items` with at most `limit` at once; the first failure stops new tasks and is thrown. */
export async function forEachLimited<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const running = task(item).catch((error: unknown) => {
      failure ??= { error };
    });
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}
