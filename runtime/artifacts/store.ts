/**
 * The artifact store: one object per store directory, holding no state of its own between calls
 * (everything is on disk), so several processes (runs, `pipec artifacts`) can use one store at once.
 */
import { mkdir, open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { getCacheEntry, putCacheEntry, removeCacheEntriesNaming, type CacheEntry, type CacheValue } from "./cache-index.ts";
import { collectOutput, type CollectMeta, type CollectResult, type OutputSpec } from "./collect.ts";
import { removeIfExists } from "./atomic-file.ts";
import { ArtifactError, ArtifactNotFoundError } from "./errors.ts";
import { keyedDigest, readOrCreateHashKey } from "./keyed-digest.ts";
import { collectGarbage, type GcOptions, type GcReport } from "./gc.ts";
import { removeHolder, writeHolder } from "./holders.ts";
import { storeLayout, type StoreContext } from "./layout.ts";
import { readManifest, type ManifestEntry } from "./manifest.ts";
import { processRef } from "./process-identity.ts";
import { listInfos, readInfo, resolveId, type ArtifactInfo } from "./record.ts";
import { restoreArtifact, type RestoreResult } from "./restore.ts";
import { checkoutEntries, type CheckoutOptions, type CheckoutResult } from "./checkout.ts";
import { snapshotAgain, type SnapshotAgainMeta } from "./snapshot-again.ts";
import { SNAPSHOT_JOB, storeSnapshot, type SnapshotInput, type SnapshotMeta, type StoredSnapshot } from "./snapshot.ts";
import { waitForGc } from "./store-lock.ts";
import { verifyStore, type VerifyProblem } from "./verify.ts";

export interface ArtifactStoreOptions {
  /** The clock, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Files copied at once when collecting and restoring. @default 4 */
  readonly concurrency?: number;
  /** How long collect and acquire wait for a running gc. @default 600_000 */
  readonly gcWaitMs?: number;
}

export interface ArtifactStore {
  readonly root: string;
  /** Stores a job's output from its workspace; a missing output is data, not an error. */
  collect(workspaceRoot: string, output: OutputSpec, meta: CollectMeta): Promise<CollectResult>;
  /** Restores an artifact (full id) into `destRoot`, verifying every byte. */
  restore(id: string, destRoot: string): Promise<RestoreResult>;
  /** Stores a project snapshot (see snapshot.ts): files with a digest are taken as stored, the rest are read in. */
  snapshot(root: string, inputs: readonly SnapshotInput[], meta: SnapshotMeta): Promise<StoredSnapshot>;
  /** Records a snapshot of a tree known to be exactly `meta.basis`'s (see snapshot-again.ts); null when that snapshot is gone. */
  snapshotAgain(meta: SnapshotAgainMeta): Promise<ArtifactInfo | null>;
  /** Copies a snapshot's entries into `destRoot` (from memory, or reflinks where the file system has them), never linking to the store. */
  checkout(entries: readonly ManifestEntry[], destRoot: string, options?: CheckoutOptions): Promise<CheckoutResult>;
  /** Every artifact, newest first. */
  list(): Promise<ArtifactInfo[]>;
  /** An artifact by id or unique id prefix; throws ArtifactNotFoundError / ArtifactAmbiguousError. */
  get(idOrPrefix: string): Promise<ArtifactInfo>;
  /** The newest artifact with this output name (`dist` or `build.dist`), optionally of one run. */
  find(name: string, filter?: { readonly runId?: string; readonly pipeline?: string }): Promise<ArtifactInfo | undefined>;
  /** The manifest entries of an artifact, streamed. */
  files(id: string): AsyncIterable<ManifestEntry>;
  verify(): Promise<VerifyProblem[]>;
  gc(options?: GcOptions): Promise<GcReport>;
  pin(id: string, on?: boolean): Promise<ArtifactInfo>;
  /**
   * References `ids` for `holder` (a run id), recorded with the process (`pid`, default this one):
   * gc keeps them until `release`, or until that process is gone. Returns the ids that do not exist
   * (any more); those are not protected.
   */
  acquire(holder: string, ids: readonly string[], options?: { readonly pid?: number }): Promise<{ readonly missing: readonly string[] }>;
  release(holder: string): Promise<void>;
  putCacheEntry(key: string, value: CacheValue): Promise<CacheEntry>;
  getCacheEntry(key: string): Promise<CacheEntry | undefined>;
  /** Drops the job-cache entries naming artifact `id` (found damaged), so their jobs run again; returns how many. */
  dropCacheEntriesOf(id: string): Promise<number>;
  /** A digest of `value` keyed by this store's own random key: for secret values in cache keys, never the values. */
  keyedDigest(value: string): Promise<string>;
}

export function openArtifactStore(root: string, options: ArtifactStoreOptions = {}): ArtifactStore {
  const layout = storeLayout(resolve(root));
  const context: StoreContext = { layout, now: options.now ?? Date.now, concurrency: options.concurrency ?? 4, gcWaitMs: options.gcWaitMs ?? 600_000 };
  const byNewest = (a: ArtifactInfo, b: ArtifactInfo) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? -1 : 1);
  let hashKey: Promise<Buffer> | undefined;
  const list = async () => (await listInfos(layout)).infos.sort(byNewest);
  const get = async (ref: string) => {
    const info = await readInfo(layout, await resolveId(layout, ref));
    if (!info || info instanceof Error) throw new ArtifactError(`the record of artifact ${ref} cannot be read${info ? `: ${info.message}` : ""}`);
    return info;
  };
  return {
    root: layout.root,
    collect: (workspaceRoot, output, meta) => collectOutput(context, workspaceRoot, output, meta),
    restore: (id, destRoot) => restoreArtifact(context, id, destRoot),
    snapshot: (root, inputs, meta) => storeSnapshot(context, root, inputs, meta),
    snapshotAgain: (meta) => snapshotAgain(context, meta),
    checkout: (entries, destRoot, checkoutOptions) => checkoutEntries(layout, entries, destRoot, checkoutOptions),
    list,
    get,
    async find(name, filter = {}) {
      return (await list()).find(
        // A bare name never means a project snapshot (`(project).snapshot` does): a job may have an output called snapshot.
        (a) => ((a.name === name && a.job !== SNAPSHOT_JOB) || `${a.job}.${a.name}` === name) && (filter.runId === undefined || a.runId === filter.runId) && (filter.pipeline === undefined || a.pipeline === filter.pipeline),
      );
    },
    async *files(id) {
      const info = await get(id);
      yield* readManifest(layout.object(info.manifest));
    },
    verify: () => verifyStore(context),
    gc: (gcOptions) => collectGarbage(context, gcOptions),
    async pin(ref, on = true) {
      const info = await get(ref);
      if (on) {
        await mkdir(layout.pins, { recursive: true });
        await (await open(layout.pin(info.id), "a")).close();
        // Like acquire: pin first, then let a running gc finish, then check it did not take the artifact.
        await waitForGc(layout, context.gcWaitMs);
        if (!(await stat(layout.record(info.id)).catch(() => null))) {
          await removeIfExists(layout.pin(info.id));
          throw new ArtifactNotFoundError(ref, layout.root);
        }
      } else {
        await removeIfExists(layout.pin(info.id));
      }
      return { ...info, pinned: on };
    },
    async acquire(holder, ids, acquireOptions = {}) {
      await writeHolder(layout, holder, ids, processRef(acquireOptions.pid), context.now());
      await waitForGc(layout, context.gcWaitMs);
      const missing: string[] = [];
      for (const id of ids) if (!(await stat(layout.record(id)).catch(() => null))) missing.push(id);
      return { missing };
    },
    release: (holder) => removeHolder(layout, holder),
    putCacheEntry: (key, value) => putCacheEntry(context, key, value),
    getCacheEntry: (key) => getCacheEntry(context, key),
    dropCacheEntriesOf: (id) => removeCacheEntriesNaming(layout, id),
    async keyedDigest(value) {
      hashKey ??= readOrCreateHashKey(layout);
      return keyedDigest(await hashKey, value);
    },
  };
}
