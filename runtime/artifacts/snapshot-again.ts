/**
 * A project snapshot taken again of a tree that did not change: the caller (runtime/workspace, through
 * its stat cache) knows that every file and symlink is exactly an earlier snapshot's, so the new
 * snapshot is that one's manifest under a record of its own (the run's), and no file, entry or
 * manifest is looked at. Only when the earlier snapshot's record and manifest are both still in the
 * store (gc keeps a recorded snapshot's objects) is this done; otherwise the caller takes the
 * snapshot the long way (storeSnapshot), which finds what is gone.
 */
import { lstatSync } from "node:fs";
import { writeJsonAtomic } from "./atomic-file.ts";
import { writeHolder } from "./holders.ts";
import type { StoreContext } from "./layout.ts";
import { processRef } from "./process-identity.ts";
import { artifactId, type ArtifactInfo, type ArtifactRecord } from "./record.ts";
import { SNAPSHOT_JOB, SNAPSHOT_NAME, storeWrite } from "./snapshot.ts";
import { registerWriter, waitForGc } from "./store-lock.ts";

export interface SnapshotAgainMeta {
  readonly runId: string;
  readonly pipeline: string;
  /** A holder (the run id) protecting the snapshot from gc from the moment its record exists. */
  readonly holdFor?: string;
  /** The earlier snapshot (artifact id) the tree is exactly, and its manifest digest. */
  readonly basis: string;
  readonly manifest: string;
  /** Its entries (files and symlinks) and the bytes of its files, for the record. */
  readonly files: number;
  readonly bytes: number;
}

/** The new snapshot's record, or null when the earlier snapshot or its manifest is gone from the store. */
export async function snapshotAgain(context: StoreContext, meta: SnapshotAgainMeta): Promise<ArtifactInfo | null> {
  const { layout } = context;
  const unregister = await registerWriter(layout);
  try {
    await waitForGc(layout, context.gcWaitMs);
    // From here no gc deletes anything (a writer is registered): what exists now stays.
    if (lstatSync(layout.record(meta.basis), { throwIfNoEntry: false }) === undefined) return null;
    if (lstatSync(layout.object(meta.manifest), { throwIfNoEntry: false })?.isFile() !== true) return null;
    const now = context.now();
    const record: ArtifactRecord = {
      version: 1,
      id: artifactId({ pipeline: meta.pipeline, runId: meta.runId, job: SNAPSHOT_JOB, name: SNAPSHOT_NAME, manifest: meta.manifest }),
      name: SNAPSHOT_NAME,
      job: SNAPSHOT_JOB,
      runId: meta.runId,
      pipeline: meta.pipeline,
      manifest: meta.manifest,
      files: meta.files,
      bytes: meta.bytes,
      createdAt: new Date(now).toISOString(),
      expiresAt: null,
    };
    await storeWrite(`the snapshot's record`, async () => {
      // The holder before the record (see gc.ts), so a gc never sees the record unprotected.
      if (meta.holdFor !== undefined) await writeHolder(layout, meta.holdFor, [record.id], processRef(), now);
      await writeJsonAtomic(layout.tmp, layout.record(record.id), record);
    });
    return { ...record, lastUsedAt: record.createdAt, pinned: false };
  } finally {
    await unregister();
  }
}
