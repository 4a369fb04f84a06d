/** Reading and writing the job cache for one attempt, and telling the run what happened (`job.cache`). */
import type { ResolvedStep } from "../executor/types.ts";
import type { Job } from "../plan/schema.ts";
import type { JobAttemptInput } from "./job-attempt.ts";
import { cacheKey, changedParts, jobCacheParts, lastPartsKey, type CacheKeyParts } from "./job-cache.ts";

export interface CacheLookup {
  readonly hit: boolean;
  readonly key: string;
  readonly parts: CacheKeyParts;
}

export async function lookUpJobCache(input: JobAttemptInput, job: Job, image: string | null, steps: readonly ResolvedStep[]): Promise<CacheLookup | null> {
  const { artifacts, jobId, emit } = input;
  const parts = await jobCacheParts({ job, image, steps, executor: input.executor, store: artifacts, produced: input.produced, workspaceDigest: await input.workspace.digest(), masker: input.masker });
  if (parts === null) return null;
  const key = cacheKey(jobId, parts);
  const entry = await artifacts.getCacheEntry(key);
  const outputs = entry?.data && typeof entry.data === "object" && !Array.isArray(entry.data) ? (entry.data as Record<string, string>) : null;
  if (entry && outputs) {
    const { missing } = await artifacts.acquire(input.runId, entry.artifactIds);
    if (missing.length === 0) {
      input.produced.set(jobId, outputs);
      emit({ type: "job.cache", job: jobId, hit: true, key, changed: [] });
      return { hit: true, key, parts };
    }
  }
  const last = await artifacts.getCacheEntry(lastPartsKey(input.plan.name, jobId));
  const previous = last?.data && typeof last.data === "object" && !Array.isArray(last.data) ? (last.data as CacheKeyParts) : null;
  const changed = changedParts(previous, parts);
  emit({ type: "job.cache", job: jobId, hit: false, key, changed: changed.length > 0 ? changed : ["the cached outputs are gone from the store"] });
  return { hit: false, key, parts };
}

export async function saveJobCache(input: JobAttemptInput, key: string, parts: CacheKeyParts, outputs: Readonly<Record<string, string>>): Promise<void> {
  await input.artifacts.putCacheEntry(key, { artifactIds: Object.values(outputs), data: { ...outputs } });
  await input.artifacts.putCacheEntry(lastPartsKey(input.plan.name, input.jobId), { artifactIds: [], data: { ...parts } });
}
