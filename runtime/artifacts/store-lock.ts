/**
 * Coordination between gc and the processes that add to the store, without a lock server.
 *
 * gc holds `gc.lock` (created exclusively, naming its process; a lock whose process is gone is
 * taken over). A collect first registers itself in `writers/`, then waits while a live gc holds the
 * lock. gc, once it holds the lock, looks for live writers and, if there are any, deletes no object
 * (it may still delete records: an object they leave unreferenced is removed by a later gc). So an
 * object a collect has just stored or found already stored is never deleted before its record exists.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { removeIfExists } from "./atomic-file.ts";
import { ArtifactStoreBusyError } from "./errors.ts";
import type { StoreLayout } from "./layout.ts";
import { isAlive, parseProcessTag, processRef, processTag, ProcessRefSchema, type ProcessRef } from "./process-identity.ts";

export interface Release {
  (): Promise<void>;
}

/** Takes the gc lock, or throws ArtifactStoreBusyError naming the live process that holds it. */
export async function lockForGc(layout: StoreLayout): Promise<Release> {
  await mkdir(layout.root, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(layout.gcLock, "wx");
      await handle.writeFile(JSON.stringify(processRef()));
      await handle.close();
      return () => removeIfExists(layout.gcLock).then(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await gcLockHolder(layout);
    if (holder && isAlive(holder)) throw new ArtifactStoreBusyError(`another gc of ${layout.root} is running (pid ${holder.pid}); try again when it is done`);
    // Left by a gc that died (or half-written by one that just started: retry reads it again).
    if (holder || attempt > 0) await unlink(layout.gcLock).catch(() => {});
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new ArtifactStoreBusyError(`could not take the gc lock of ${layout.root}`);
}

async function gcLockHolder(layout: StoreLayout): Promise<ProcessRef | null> {
  try {
    const parsed = ProcessRefSchema.safeParse(JSON.parse(await readFile(layout.gcLock, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Waits while a live gc holds the lock (polling), up to `timeoutMs`. */
export async function waitForGc(layout: StoreLayout, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A lock without a pid yet belongs to a gc that has not looked at writers and holders yet: it
    // will see ours, so there is nothing to wait for.
    const holder = await gcLockHolder(layout);
    if (!holder || !isAlive(holder)) return;
    if (Date.now() > deadline) throw new ArtifactStoreBusyError(`a gc of ${layout.root} has held the store for over ${Math.round(timeoutMs / 1000)}s (pid ${holder.pid})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Registers a collect in progress; the returned function unregisters it. */
export async function registerWriter(layout: StoreLayout): Promise<Release> {
  await mkdir(layout.writers, { recursive: true });
  const file = join(layout.writers, `${processTag()}-${randomBytes(6).toString("hex")}`);
  const handle = await open(file, "wx");
  await handle.close();
  return () => removeIfExists(file).then(() => {});
}

/** Live collects; files left by dead processes are removed. */
export async function liveWriters(layout: StoreLayout, dryRun: boolean): Promise<number> {
  let live = 0;
  for (const name of await readdir(layout.writers).catch(() => [] as string[])) {
    const ref = parseProcessTag(name);
    if (ref && isAlive(ref)) live++;
    else if (!dryRun) await removeIfExists(join(layout.writers, name));
  }
  return live;
}
