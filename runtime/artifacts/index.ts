/** The content-addressed artifact store: collect job outputs, restore them, verify, collect garbage. */
export { openArtifactStore, type ArtifactStore, type ArtifactStoreOptions } from "./store.ts";
export { DEFAULT_STORE_DIR, defaultStoreRoot, shortId } from "./layout.ts";
export type { CollectMeta, CollectResult, OutputSpec } from "./collect.ts";
export type { RestoreResult } from "./restore.ts";
export type { CheckoutOptions, CheckoutResult } from "./checkout.ts";
export { SNAPSHOT_JOB, SNAPSHOT_NAME, SnapshotError, type SnapshotFile, type SnapshotInput, type StoredSnapshot } from "./snapshot.ts";
export type { VerifyProblem } from "./verify.ts";
export type { GcOptions, GcReport } from "./gc.ts";
export { planRetention, type RetentionPolicy, type RetentionCandidate, type RetentionPlan, type CacheRef } from "./retention.ts";
export { ArtifactIdSchema, ArtifactRecordSchema, artifactLabel, type ArtifactId, type ArtifactInfo, type ArtifactRecord } from "./record.ts";
export { ManifestEntrySchema, type ManifestEntry } from "./manifest.ts";
export { CacheEntrySchema, type CacheEntry, type CacheValue } from "./cache-index.ts";
export { formatAge, formatBytes } from "./format.ts";
export {
  ARTIFACT_ERROR_CODES,
  ArtifactAmbiguousError,
  ArtifactChangedError,
  ArtifactError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactStoreBusyError,
  ArtifactTooLargeError,
  ArtifactUnsafePathError,
  type ArtifactErrorCode,
} from "./errors.ts";
