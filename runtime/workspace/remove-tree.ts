/**
 * Removes a folder of job workspaces at the end of a run: thousands of small files just written.
 * Where the file system discards freed blocks at once (ext4 mounted with `discard`, common on VMs
 * and SSDs), the unlink of a file whose blocks are already on disk waits for its discard, ~1-2 ms
 * each with the CPU idle: 20,000 files one after the other took from 1 to 50 s on the same tree,
 * depending on whether something had flushed them yet. Those waits overlap when the unlinks run in
 * parallel (libuv's threads), 5-15 times faster. Where an unlink costs microseconds, a promise per
 * file costs more than the call: so the files go synchronously, in slices, as long as a slice takes
 * under SLOW_UNLINK_US per file, and in parallel from the first slice that does not. Anything
 * unusual (a folder a job made read-only, a file that appears meanwhile) is left to fs.rm, which
 * knows how to retry.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { rm, rmdir, unlink } from "node:fs/promises";
import { setImmediate } from "node:timers/promises";

export interface RemoveTreeOptions {
  /** Above this mean time per unlink (µs), the rest are unlinked in parallel. @default 200 */
  readonly slowUnlinkUs?: number;
}

/** Unlinks timed together, to decide between synchronous calls and the parallel pool. */
const SLICE = 128;
/** The event loop is let in between slices when this long has passed (a Ctrl-C is not held up). */
const BREATHE_MS = 20;
/** Unlinks in flight at once (libuv runs four at a time; more queued keeps its threads busy). */
const PARALLEL = 16;
const SLOW_UNLINK_US = 200;

export async function removeTree(dir: string, options: RemoveTreeOptions = {}): Promise<void> {
  try {
    const { files, dirs } = listTree(dir);
    await unlinkAll(files, options.slowUnlinkUs ?? SLOW_UNLINK_US);
    // Directories have blocks too: each depth in parallel, the deepest first.
    for (let depth = dirs.length - 1; depth >= 0; depth--) await forEachParallel(dirs[depth]!, (path) => rmdir(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && (error as NodeJS.ErrnoException).path === dir) return;
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every non-directory under `dir`, and the directories by depth (`dir` itself at depth 0), from readdir's types (no stat each). */
function listTree(dir: string): { files: string[]; dirs: string[][] } {
  const files: string[] = [];
  const dirs: string[][] = [];
  const walk = (folder: string, depth: number): void => {
    (dirs[depth] ??= []).push(folder);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path, depth + 1);
      else files.push(path);
    }
  };
  walk(dir, 0);
  return { files, dirs };
}

async function unlinkAll(files: readonly string[], slowUs: number): Promise<void> {
  let start = 0;
  let breathed = performance.now();
  while (start < files.length) {
    const end = Math.min(files.length, start + SLICE);
    const began = performance.now();
    for (let index = start; index < end; index++) unlinkSync(files[index]!);
    const done = performance.now();
    const perFileUs = ((done - began) * 1000) / (end - start);
    start = end;
    if (perFileUs > slowUs) break;
    if (done - breathed >= BREATHE_MS) {
      await setImmediate();
      breathed = performance.now();
    }
  }
  await forEachParallel(files.slice(start), (path) => unlink(path));
}

/** Runs `task` over `items`, PARALLEL at a time; the first failure is thrown once all have settled. */
async function forEachParallel(items: readonly string[], task: (item: string) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}
