/**
 * A job's workspace made from a snapshot's entries, as cheaply as the file system allows: a file whose
 * bytes the run still holds in memory (a small file it read for this snapshot) is written from them,
 * as is one in a pack (pack.ts: read from it); any other is `copyFile(object, dest, COPYFILE_FICLONE)`, a reflink (copy-on-write, no data copied)
 * on btrfs, XFS and APFS, else a kernel copy (copy_file_range) that never passes through this
 * process. Never a hard link: a job may change, chmod or delete its files, and an object is shared by
 * every run. Each file gets its entry's mode. Folders are made first, symlinks last; the files in
 * between go through a FilePool (file-pool.ts: creations side by side on libuv's threads, which
 * halves the time of 10,000 small files on two cores), so two jobs' workspaces are written at once.
 *
 * The entries are the run's own snapshot, made in this process, so they are not verified byte by
 * byte as a restore of someone else's artifact is (restore.ts): the copy trusts the object's name.
 */
import { chmod, constants, copyFile, mkdirSync, symlinkSync } from "node:fs";
import { dirname } from "node:path";
import { createFileTask, FilePool, type FileTask } from "./file-pool.ts";
import type { StoreLayout } from "./layout.ts";
import { Packs } from "./pack.ts";
import type { ManifestEntry } from "./manifest.ts";

export interface CheckoutResult {
  readonly files: number;
  readonly bytes: number;
}

export interface CheckoutOptions {
  /** Bytes of objects already in memory, by digest: written from there instead of copied from the store. */
  readonly contents?: ReadonlyMap<string, Uint8Array>;
}

export async function checkoutEntries(layout: StoreLayout, entries: readonly ManifestEntry[], destRoot: string, options: CheckoutOptions = {}): Promise<CheckoutResult> {
  mkdirSync(destRoot, { recursive: true });
  const root = destRoot.endsWith("/") ? destRoot : `${destRoot}/`;
  // Every folder first, once each (a few hundred calls), so the file chains need no order between them.
  const made = new Set<string>(["."]);
  for (const entry of entries) {
    const dir = dirname(entry.path);
    if (made.has(dir)) continue;
    mkdirSync(root + dir, { recursive: true });
    for (let up = dir; up !== "." && !made.has(up); up = dirname(up)) made.add(up);
  }
  // Whether a file created with a mode keeps it (the umask may take bits away), learnt once per mode.
  const umaskTakes = new Map<number, boolean>();
  const pool = new FilePool();
  let files = 0;
  let bytes = 0;
  const links: Extract<ManifestEntry, { kind: "symlink" }>[] = [];
  let packs: Packs | undefined;
  try {
    for (const entry of entries) {
      if (entry.kind === "symlink") {
        links.push(entry);
        continue;
      }
      const dest = root + entry.path;
      let inMemory = options.contents?.get(entry.digest);
      const packed = inMemory === undefined ? (packs ??= Packs.load(layout)).find(entry.digest) : undefined;
      if (packed !== undefined) inMemory = packs!.read(packed);
      const full = pool.add(inMemory !== undefined ? createFileTask(dest, inMemory, entry.mode, umaskTakes) : copyObjectTask(layout.object(entry.digest), dest, entry.mode));
      if (full) await full;
      files++;
      bytes += entry.size;
    }
    await pool.drain();
  } catch (error) {
    await pool.drain().catch(() => {});
    throw error;
  } finally {
    packs?.close();
  }
  for (const link of links) {
    symlinkSync(link.target, root + link.path);
    files++;
  }
  return { files, bytes };
}

/** A chain copying an object (a reflink where the file system can) and giving the copy its mode. */
function copyObjectTask(object: string, dest: string, mode: number): FileTask {
  return (done) => copyFile(object, dest, constants.COPYFILE_FICLONE, (error) => (error ? done(error) : chmod(dest, mode, done)));
}
