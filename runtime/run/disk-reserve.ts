/**
 * Room kept for a run's last words. A job can fill the disk (its output, its workspace, its
 * artifacts); the run must still be able to record how its jobs ended and how it ended, or it looks
 * unfinished and a later run cannot tell what succeeded. At the start the run writes a file of
 * zeros sized for those records; the first record that meets a full disk deletes it and tries again.
 * A tmpfs, ext4 and the like allocate written zeros, so the room is real.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";

export const RESERVE_FILE = "reserve";

/** Room for the state and the end-of-job events of `jobs` jobs: a generous 2 KiB a job over 64 KiB, at most 16 MiB. */
export function reserveBytes(jobs: number): number {
  return Math.min(64 * 1024 + jobs * 2048, 16 * 1024 * 1024);
}

export interface DiskReserve {
  /** Frees the room; true when there was room to free (the first time only). */
  release(): boolean;
  readonly held: boolean;
}

/** Throws what the file system says (ENOSPC on a disk already full): the caller treats it like any store failure. */
export function holdDiskReserve(path: string, bytes: number): DiskReserve {
  const fd = openSync(path, "w");
  try {
    const block = Buffer.alloc(Math.min(bytes, 64 * 1024));
    for (let left = bytes; left > 0; ) left -= writeSync(fd, block, 0, Math.min(block.length, left));
  } catch (cause) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw cause;
  }
  closeSync(fd);
  let held = true;
  return {
    get held() {
      return held;
    },
    release() {
      if (!held) return false;
      held = false;
      rmSync(path, { force: true });
      return true;
    },
  };
}
