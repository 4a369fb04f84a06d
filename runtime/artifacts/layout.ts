/**
 * Where things live in a store (default `.pipec/store` under the project):
 *
 *   objects/ab/cdef…        file contents and manifests, named by sha256 (git-style fan-out: the
 *                           first two hex digits are the directory); read-only, written once
 *   artifacts/<id>.json     one record per artifact; its mtime is the artifact's last use
 *   pins/<id>               a pin (an empty marker file, so pinning never rewrites a record)
 *   holders/<holder>/*.json references held by a run (pid recorded) while its jobs are queued or running
 *   cache/<sha256(key)>.json  job-cache entries naming artifact ids; mtime is the entry's last use
 *   writers/<pid>-<rand>    a collect in progress (gc leaves objects alone while one is alive)
 *   tmp/<pid>-<start>-<rand>  files being written; renamed into place when complete
 *   gc.lock                 held by the one gc that may delete
 *   hash-key                32 random bytes keying the digests of secret values in job-cache records
 *
 * Everything is written to `tmp/` first and renamed, so a reader never sees half a file.
 */
import { join } from "node:path";

export const DEFAULT_STORE_DIR = join(".pipec", "store");

export const DIGEST = /^[0-9a-f]{64}$/;

export function defaultStoreRoot(projectDir: string): string {
  return join(projectDir, DEFAULT_STORE_DIR);
}

export interface StoreLayout {
  readonly root: string;
  readonly objects: string;
  readonly artifacts: string;
  readonly pins: string;
  readonly holders: string;
  readonly cache: string;
  readonly writers: string;
  readonly tmp: string;
  readonly gcLock: string;
  readonly hashKey: string;
  object(digest: string): string;
  record(id: string): string;
  pin(id: string): string;
}

export function storeLayout(root: string): StoreLayout {
  return {
    root,
    objects: join(root, "objects"),
    artifacts: join(root, "artifacts"),
    pins: join(root, "pins"),
    holders: join(root, "holders"),
    cache: join(root, "cache"),
    writers: join(root, "writers"),
    tmp: join(root, "tmp"),
    gcLock: join(root, "gc.lock"),
    hashKey: join(root, "hash-key"),
    object: (digest) => join(root, "objects", digest.slice(0, 2), digest.slice(2)),
    record: (id) => join(root, "artifacts", `${id}.json`),
    pin: (id) => join(root, "pins", id),
  };
}

/** The 12-character prefix shown to people (like Docker's short ids). */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** What every store operation needs: where the store is, the clock, and limits. */
export interface StoreContext {
  readonly layout: StoreLayout;
  /** Milliseconds since the epoch; injectable so that retention is tested with a fake clock. */
  readonly now: () => number;
  /** Files copied at once when collecting and restoring. */
  readonly concurrency: number;
  /** How long a collect or acquire waits for a running gc. */
  readonly gcWaitMs: number;
}
