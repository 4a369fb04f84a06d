/**
 * A job's workspace made from a snapshot's entries, as cheaply as the file system allows: each file
 * is `copyFile(object, dest, COPYFILE_FICLONE)`, a reflink (copy-on-write, no data copied) on btrfs,
 * XFS and APFS, else a kernel copy (copy_file_range) that never passes through this process. Never
 * a hard link: a job may change, chmod or delete its files, and an object is shared by every run.
 * Objects are read-only (0444); each copy gets its entry's mode. Symlinks are made last.
 *
 * The entries are the run's own snapshot, made in this process, so they are not verified byte by
 * byte as a restore of someone else's artifact is (restore.ts): the copy trusts the object's name.
 */
import { constants } from "node:fs";
import { chmod, copyFile, mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { StoreLayout } from "./layout.ts";
import type { ManifestEntry } from "./manifest.ts";
import { forEachLimited } from "./object-store.ts";

export interface CheckoutResult {
  readonly files: number;
  readonly bytes: number;
}

export async function checkoutEntries(layout: StoreLayout, entries: readonly ManifestEntry[], destRoot: string, concurrency = 16): Promise<CheckoutResult> {
  await mkdir(destRoot, { recursive: true });
  const dirs = new Map<string, Promise<void>>([[".", Promise.resolve()]]);
  const ensureDir = (dir: string): Promise<void> => {
    let made = dirs.get(dir);
    if (!made) {
      made = ensureDir(dirname(dir)).then(() =>
        mkdir(join(destRoot, dir)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        }),
      );
      dirs.set(dir, made);
    }
    return made;
  };
  let files = 0;
  let bytes = 0;
  const links: Extract<ManifestEntry, { kind: "symlink" }>[] = [];
  await forEachLimited(entries, concurrency, async (entry) => {
    if (entry.kind === "symlink") {
      links.push(entry);
      return;
    }
    await ensureDir(dirname(entry.path));
    const dest = join(destRoot, entry.path);
    await copyFile(layout.object(entry.digest), dest, constants.COPYFILE_FICLONE);
    await chmod(dest, entry.mode);
    files++;
    bytes += entry.size;
  });
  for (const link of links) {
    await ensureDir(dirname(link.path));
    await symlink(link.target, join(destRoot, link.path));
    files++;
  }
  return { files, bytes };
}
