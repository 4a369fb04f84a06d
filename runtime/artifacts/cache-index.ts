/**
 * A small key-value index for the job cache: `cache/<sha256(key)>.json`, each entry naming the
 * artifacts that hold the cached outputs plus any JSON data. Entries are written atomically; the
 * file's mtime is the entry's last hit.
 *
 * For gc an entry is a reference with an age (see retention.ts): it keeps its artifacts from the
 * keep-runs and max-age policies (a hit counts as a use of them), but not from their own expiry or
 * from the size limit; an entry unused for longer than max-age is deleted, and so is an entry whose
 * artifact is deleted. `getCacheEntry` never returns an entry whose artifacts are gone. A consumer
 * that restores a hit should `acquire` the ids first, like a run does.
 */
import { createHash } from "node:crypto";
import { readdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { readJson, removeIfExists, writeJsonAtomic } from "./atomic-file.ts";
import { ArtifactNotFoundError } from "./errors.ts";
import type { StoreContext, StoreLayout } from "./layout.ts";
import { ArtifactIdSchema, touchRecord } from "./record.ts";

export const CacheEntrySchema = z
  .object({
    version: z.literal(1),
    key: z.string().min(1),
    artifactIds: z.array(ArtifactIdSchema),
    data: z.json().default(null),
    createdAt: z.iso.datetime(),
  })
  .strict();
export type CacheEntry = z.output<typeof CacheEntrySchema> & { readonly lastUsedAt: string };

export interface CacheValue {
  readonly artifactIds: readonly string[];
  /** Anything JSON the cache wants to keep with the entry (exit status, timings). @default null */
  readonly data?: z.infer<ReturnType<typeof z.json>>;
}

function entryFile(layout: StoreLayout, key: string): string {
  return join(layout.cache, `${createHash("sha256").update(key).digest("hex")}.json`);
}

export async function putCacheEntry(context: StoreContext, key: string, value: CacheValue): Promise<CacheEntry> {
  const { layout } = context;
  for (const id of value.artifactIds) {
    if (!(await exists(layout.record(id)))) throw new ArtifactNotFoundError(id, layout.root);
  }
  const now = context.now();
  const entry = CacheEntrySchema.parse({ version: 1, key, artifactIds: [...value.artifactIds], data: value.data ?? null, createdAt: new Date(now).toISOString() });
  const file = entryFile(layout, key);
  await writeJsonAtomic(layout.tmp, file, entry);
  await utimes(file, new Date(now), new Date(now));
  return { ...entry, lastUsedAt: new Date(now).toISOString() };
}

/** The entry, marked used (with its artifacts), or undefined when there is none or an artifact is gone. */
export async function getCacheEntry(context: StoreContext, key: string): Promise<CacheEntry | undefined> {
  const { layout } = context;
  const file = entryFile(layout, key);
  const entry = await readJson(file, CacheEntrySchema);
  if (entry === undefined || entry instanceof Error || entry.key !== key) return undefined;
  for (const id of entry.artifactIds) if (!(await exists(layout.record(id)))) return undefined;
  const now = context.now();
  await utimes(file, new Date(now), new Date(now)).catch(() => {});
  for (const id of entry.artifactIds) await touchRecord(layout, id, now);
  return { ...entry, lastUsedAt: new Date(now).toISOString() };
}

export interface StoredCacheEntry {
  readonly file: string;
  readonly key: string;
  readonly artifactIds: readonly string[];
  readonly lastUsedAt: number;
}

/** Every readable entry (for gc); unreadable ones come back with no key so gc can remove them. */
export async function listCacheEntries(layout: StoreLayout): Promise<{ entries: StoredCacheEntry[]; unreadable: string[] }> {
  const entries: StoredCacheEntry[] = [];
  const unreadable: string[] = [];
  for (const name of (await readdir(layout.cache).catch(() => [] as string[])).sort()) {
    if (!name.endsWith(".json")) continue;
    const file = join(layout.cache, name);
    const entry = await readJson(file, CacheEntrySchema);
    const stats = await stat(file).catch(() => null);
    if (entry === undefined || !stats) continue;
    if (entry instanceof Error) unreadable.push(file);
    else entries.push({ file, key: entry.key, artifactIds: entry.artifactIds, lastUsedAt: Math.max(stats.mtimeMs, Date.parse(entry.createdAt)) });
  }
  return { entries, unreadable };
}

/**
 * Removes every entry that names `artifactId`: a damaged artifact must not stand for its job's result,
 * or the job that made it would stay a hit and never store it again. Returns how many went.
 */
export async function removeCacheEntriesNaming(layout: StoreLayout, artifactId: string): Promise<number> {
  const { entries } = await listCacheEntries(layout);
  const naming = entries.filter((entry) => entry.artifactIds.includes(artifactId));
  for (const entry of naming) await removeCacheEntry(entry.file);
  return naming.length;
}

export async function removeCacheEntry(file: string): Promise<void> {
  await removeIfExists(file);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
