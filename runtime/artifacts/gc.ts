/**
 * gc: applies the retention plan (retention.ts) to the files, and removes what no one can use:
 * objects no artifact references, temp files of dead processes, holders of dead processes, pins and
 * cache entries of deleted artifacts. `dryRun` reports the same without deleting (and without the lock).
 *
 * Order matters for crashes and for concurrent runs (see store-lock.ts and holders.ts):
 * take the lock, list the records, then read the holders (a collect writes its holder before its
 * record, so a record gc sees was either held already or is not deleted); delete cache entries,
 * then records, then objects; a crash in between leaves only unreferenced objects for the next gc.
 * Objects are deleted only when no collect is in progress.
 */
import { readdir, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactError } from "./errors.ts";
import { removeIfExists } from "./atomic-file.ts";
import { listCacheEntries, removeCacheEntry } from "./cache-index.ts";
import { scanHolders } from "./holders.ts";
import { DIGEST, type StoreContext } from "./layout.ts";
import { ManifestFormatError, readManifest } from "./manifest.ts";
import { listObjects } from "./object-store.ts";
import { Packs } from "./pack.ts";
import { isAlive, parseProcessTag } from "./process-identity.ts";
import { artifactLabel, listInfos, type ArtifactInfo } from "./record.ts";
import { planRetention, type RetentionCandidate, type RetentionPolicy, type RetentionRule } from "./retention.ts";
import { liveWriters, lockForGc } from "./store-lock.ts";

export interface GcOptions {
  /** Report what would be deleted, delete nothing. @default false */
  readonly dryRun?: boolean;
  /** @default {} (only expired artifacts and unreferenced files go) */
  readonly policy?: RetentionPolicy;
}

export interface GcReport {
  readonly dryRun: boolean;
  readonly deleted: readonly { readonly id: string; readonly name: string; readonly runId: string; readonly pipeline: string; readonly rule: RetentionRule; readonly reason: string }[];
  readonly protected: readonly { readonly id: string; readonly name: string; readonly reason: string }[];
  readonly cacheEntries: readonly { readonly key: string; readonly reason: string }[];
  readonly orphanObjects: number;
  /** Why objects were left alone this time, or null. */
  readonly objectsSkipped: string | null;
  readonly tempFiles: number;
  readonly staleHolders: readonly string[];
  /** Bytes of objects and temp files deleted (or that would be). */
  readonly freedBytes: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly overLimit: boolean;
  /** Records or manifests gc could not read; `pipec artifacts verify` tells more. */
  readonly problems: readonly string[];
}

/** Temp files older than this are removed even when their process looks alive (a pid reused without /proc). */
const TEMP_MAX_AGE_MS = 24 * 3_600_000;

export async function collectGarbage(context: StoreContext, options: GcOptions = {}): Promise<GcReport> {
  const { layout } = context;
  const dryRun = options.dryRun ?? false;
  const root = await stat(layout.root).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === "ENOENT") return null;
    throw new ArtifactError(`cannot read the store ${layout.root}: ${cause.code === "EACCES" || cause.code === "EPERM" ? "permission denied" : cause.message}; run pipec as the user who owns the store, or fix its permissions`, { cause });
  });
  if (!root) return emptyReport(dryRun);
  const unlock = dryRun ? async () => {} : await lockForGc(layout);
  try {
    // Writers are counted right after locking: a collect that registered before the lock may finish
    // (and unregister) while gc lists records, and its objects must not look unreferenced.
    const writers = await liveWriters(layout, dryRun);
    const { infos, problems: unreadable } = await listInfos(layout);
    const holders = await scanHolders(layout);
    const heldBy = new Map<string, string[]>();
    for (const holder of holders.live) for (const id of holder.ids) heldBy.set(id, [...(heldBy.get(id) ?? []), holder.holder]);
    const problems = unreadable.map((error) => error.message);
    const candidates: RetentionCandidate[] = [];
    // Runs share manifests (every snapshot of an unchanged project is one): each is read once.
    const manifests = new Map<string, Promise<ManifestObjects>>();
    for (const info of infos) candidates.push(await candidateOf(context, info, heldBy.get(info.id) ?? [], problems, manifests));
    const cache = await listCacheEntries(layout);
    const plan = planRetention({ artifacts: candidates, cacheEntries: cache.entries, policy: options.policy ?? {}, now: context.now() });
    const byId = new Map(infos.map((info) => [info.id as string, info]));
    const gone = new Set(plan.deleteArtifacts.map((d) => d.id));

    if (!dryRun) {
      for (const file of cache.unreadable) await removeCacheEntry(file);
      const doomedKeys = new Set(plan.deleteCacheEntries.map((e) => e.key));
      for (const entry of cache.entries) if (doomedKeys.has(entry.key)) await removeCacheEntry(entry.file);
      for (const id of gone) {
        await removeIfExists(layout.record(id));
        await removeIfExists(layout.pin(id));
      }
      for (const stale of holders.stale) await removeIfExists(stale.file);
      await removeEmptyHolderDirs(context);
      await removeDanglingPins(context);
    }

    const objectsSkipped = writers > 0 ? `${writers} collect(s) in progress; unreferenced objects are left for the next gc` : null;
    let orphanObjects = 0;
    let freedBytes = 0;
    if (objectsSkipped === null) {
      const used = new Set<string>();
      for (const c of candidates) if (!gone.has(c.id)) for (const o of c.objects) used.add(o.digest);
      for await (const object of listObjects(layout)) {
        if (used.has(object.digest)) continue;
        orphanObjects++;
        freedBytes += object.size;
        if (!dryRun) await removeIfExists(object.path);
      }
      // A pack goes whole when none of its objects is used (its index first: no reader trusts a pack
      // without one), and so does any file of the pack folder that no reader trusts.
      const packs = Packs.load(layout);
      for (const pack of packs.list) {
        if (anyOf(pack.digests(), (digest) => used.has(digest))) continue;
        orphanObjects += pack.count;
        freedBytes += pack.bytes;
        if (!dryRun) {
          await removeIfExists(pack.indexPath);
          await removeIfExists(pack.packPath);
        }
      }
      for (const path of packs.broken) {
        freedBytes += (await stat(path).catch(() => null))?.size ?? 0;
        if (!dryRun) await removeIfExists(path);
      }
    }
    const temp = await removeAbandonedTemp(context, dryRun);
    return {
      dryRun,
      deleted: plan.deleteArtifacts.map((d) => {
        const info = byId.get(d.id)!;
        return { id: d.id, name: artifactLabel(info), runId: info.runId, pipeline: info.pipeline, rule: d.rule, reason: d.reason };
      }),
      protected: plan.protected.map((p) => ({ id: p.id, name: artifactLabel(byId.get(p.id)!), reason: p.reason })),
      cacheEntries: plan.deleteCacheEntries,
      orphanObjects,
      objectsSkipped,
      tempFiles: temp.files,
      staleHolders: [...new Set(holders.stale.map((s) => s.holder))],
      freedBytes: freedBytes + temp.bytes,
      bytesBefore: plan.bytesBefore,
      bytesAfter: plan.bytesAfter,
      overLimit: plan.overLimit,
      problems,
    };
  } finally {
    await unlock();
  }
}

function anyOf<T>(items: Iterable<T>, test: (item: T) => boolean): boolean {
  for (const item of items) if (test(item)) return true;
  return false;
}

async function removeEmptyHolderDirs(context: StoreContext): Promise<void> {
  for (const dir of await readdir(context.layout.holders).catch(() => [] as string[])) {
    // rmdir fails on a directory that is not empty (or was just given a new acquisition): fine.
    await rmdir(join(context.layout.holders, dir)).catch(() => {});
  }
}

function emptyReport(dryRun: boolean): GcReport {
  return { dryRun, deleted: [], protected: [], cacheEntries: [], orphanObjects: 0, objectsSkipped: null, tempFiles: 0, staleHolders: [], freedBytes: 0, bytesBefore: 0, bytesAfter: 0, overLimit: false, problems: [] };
}

interface ManifestObjects {
  readonly objects: ReadonlyMap<string, number>;
  readonly problem: string | null;
}

async function readManifestObjects(context: StoreContext, manifest: string): Promise<ManifestObjects> {
  const manifestPath = context.layout.object(manifest);
  const objects = new Map<string, number>();
  const manifestStats = await stat(manifestPath).catch(() => null);
  objects.set(manifest, manifestStats?.size ?? 0);
  if (!manifestStats) return { objects, problem: "its manifest is missing" };
  try {
    for await (const entry of readManifest(manifestPath)) if (entry.kind === "file") objects.set(entry.digest, entry.size);
  } catch (error) {
    if (!(error instanceof ManifestFormatError)) throw error;
    return { objects, problem: `its manifest is invalid: ${error.message}` };
  }
  return { objects, problem: null };
}

async function candidateOf(context: StoreContext, info: ArtifactInfo, heldBy: string[], problems: string[], manifests: Map<string, Promise<ManifestObjects>>): Promise<RetentionCandidate> {
  let read = manifests.get(info.manifest);
  if (!read) manifests.set(info.manifest, (read = readManifestObjects(context, info.manifest)));
  const { objects, problem } = await read;
  if (problem) problems.push(`artifact ${artifactLabel(info)} (${info.id.slice(0, 12)}): ${problem}`);
  return {
    id: info.id,
    label: artifactLabel(info),
    pipeline: info.pipeline,
    runId: info.runId,
    createdAt: Date.parse(info.createdAt),
    lastUsedAt: Date.parse(info.lastUsedAt),
    expiresAt: info.expiresAt === null ? null : Date.parse(info.expiresAt),
    pinned: info.pinned,
    heldBy,
    objects: [...objects].map(([digest, size]) => ({ digest, size })),
  };
}

async function removeDanglingPins(context: StoreContext): Promise<void> {
  for (const name of await readdir(context.layout.pins).catch(() => [] as string[])) {
    if (!DIGEST.test(name)) continue;
    const record = await stat(context.layout.record(name)).catch(() => null);
    if (!record) await removeIfExists(join(context.layout.pins, name));
  }
}

async function removeAbandonedTemp(context: StoreContext, dryRun: boolean): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const name of await readdir(context.layout.tmp).catch(() => [] as string[])) {
    const path = join(context.layout.tmp, name);
    const stats = await stat(path).catch(() => null);
    if (!stats) continue;
    const owner = parseProcessTag(name);
    if (owner && isAlive(owner) && Date.now() - stats.mtimeMs < TEMP_MAX_AGE_MS) continue;
    files++;
    bytes += stats.size;
    if (!dryRun) await removeIfExists(path);
  }
  return { files, bytes };
}
