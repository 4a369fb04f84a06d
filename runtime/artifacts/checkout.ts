/**
 * A job's workspace made from a snapshot's entries, as cheaply as the file system allows: a file whose
 * bytes the run still holds in memory (a small file it read for this snapshot) is written from them;
 * any other is `copyFile(object, dest, COPYFILE_FICLONE)`, a reflink (copy-on-write, no data copied)
 * on btrfs, XFS and APFS, else a kernel copy (copy_file_range) that never passes through this
 * process. Never a hard link: a job may change, chmod or delete its files, and an object is shared by
 * every run. Each file gets its entry's mode. Symlinks are made last. The calls are synchronous (a
 * promise per call costs more than the call for thousands of small files), with the event loop let in
 * every few milliseconds.
 *
 * The entries are the run's own snapshot, made in this process, so they are not verified byte by
 * byte as a restore of someone else's artifact is (restore.ts): the copy trusts the object's name.
 */
import { chmodSync, closeSync, constants, copyFileSync, fchmodSync, fstatSync, mkdirSync, openSync, symlinkSync } from "node:fs";
import { dirname } from "node:path";
import { breather } from "./breather.ts";
import type { StoreLayout } from "./layout.ts";
import type { ManifestEntry } from "./manifest.ts";
import { writeAllSync } from "./object-store.ts";

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
  const made = new Set<string>(["."]);
  const ensureDir = (dir: string): void => {
    if (made.has(dir)) return;
    mkdirSync(root + dir, { recursive: true });
    for (let up = dir; up !== "." && !made.has(up); up = dirname(up)) made.add(up);
  };
  // Whether a file created with a mode keeps it (the umask may take bits away), learnt once per mode.
  const umaskTakes = new Map<number, boolean>();
  const breathe = breather();
  let files = 0;
  let bytes = 0;
  const links: Extract<ManifestEntry, { kind: "symlink" }>[] = [];
  for (const entry of entries) {
    if (entry.kind === "symlink") {
      links.push(entry);
      continue;
    }
    ensureDir(dirname(entry.path));
    const dest = root + entry.path;
    const inMemory = options.contents?.get(entry.digest);
    if (inMemory !== undefined) {
      const fd = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, entry.mode);
      try {
        writeAllSync(fd, inMemory);
        let fix = umaskTakes.get(entry.mode);
        if (fix === undefined) umaskTakes.set(entry.mode, (fix = (fstatSync(fd).mode & 0o777) !== entry.mode));
        if (fix) fchmodSync(fd, entry.mode);
      } finally {
        closeSync(fd);
      }
    } else {
      copyFileSync(layout.object(entry.digest), dest, constants.COPYFILE_FICLONE);
      chmodSync(dest, entry.mode);
    }
    files++;
    bytes += entry.size;
    const pause = breathe();
    if (pause) await pause;
  }
  for (const link of links) {
    ensureDir(dirname(link.path));
    symlinkSync(link.target, root + link.path);
    files++;
  }
  return { files, bytes };
}
