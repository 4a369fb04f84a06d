/**
 * References: a run holds the artifacts its queued and running jobs will restore, so gc never
 * deletes them under it. A holder is a directory `holders/<holder>/` with one file per acquisition
 * (the ids and the holding process: pid and start time), written once and never rewritten, so that
 * concurrent acquisitions by one run never lose each other's ids. References survive a crash of the
 * holder without keeping artifacts forever: gc ignores (and removes) those whose process is gone.
 *
 * Ordering with gc: `acquire` writes the holder file first and only then looks at the gc lock; gc
 * takes the lock first and only then reads the holders. Either gc sees the holder, or acquire sees
 * gc running and waits for it to finish before checking that the ids still exist.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { readJson, writeJsonAtomic } from "./atomic-file.ts";
import type { StoreLayout } from "./layout.ts";
import { isAlive, ProcessRefSchema, type ProcessRef } from "./process-identity.ts";

export const HolderSchema = z
  .object({
    version: z.literal(1),
    holder: z.string().min(1),
    process: ProcessRefSchema,
    ids: z.array(z.string()),
    acquiredAt: z.iso.datetime(),
  })
  .strict();
export type Holder = z.output<typeof HolderSchema>;

function holderDir(layout: StoreLayout, holder: string): string {
  const safe = /^[A-Za-z0-9._-]{1,100}$/.test(holder) && !holder.startsWith(".") ? holder : createHash("sha256").update(holder).digest("hex");
  return join(layout.holders, safe);
}

/** Records that `process` holds `ids` for `holder`. */
export async function writeHolder(layout: StoreLayout, holder: string, ids: readonly string[], process: ProcessRef, now: number): Promise<void> {
  const file = join(holderDir(layout, holder), `${randomBytes(8).toString("hex")}.json`);
  await writeJsonAtomic(layout.tmp, file, { version: 1, holder, process, ids: [...ids].sort(), acquiredAt: new Date(now).toISOString() } satisfies Holder);
}

export async function removeHolder(layout: StoreLayout, holder: string): Promise<void> {
  await rm(holderDir(layout, holder), { recursive: true, force: true });
}

export interface HolderScan {
  readonly live: readonly Holder[];
  /** Acquisitions whose process is gone (or that cannot be read): gc removes them. */
  readonly stale: readonly { readonly file: string; readonly holder: string }[];
}

export async function scanHolders(layout: StoreLayout): Promise<HolderScan> {
  const live: Holder[] = [];
  const stale: { file: string; holder: string }[] = [];
  for (const dir of (await readdir(layout.holders).catch(() => [] as string[])).sort()) {
    for (const name of (await readdir(join(layout.holders, dir)).catch(() => [] as string[])).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = join(layout.holders, dir, name);
      const holder = await readJson(file, HolderSchema);
      if (holder === undefined) continue;
      if (holder instanceof Error) stale.push({ file, holder: dir });
      else if (isAlive(holder.process)) live.push(holder);
      else stale.push({ file, holder: holder.holder });
    }
  }
  return { live, stale };
}
