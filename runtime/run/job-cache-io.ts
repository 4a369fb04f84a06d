/**
 * Reading and writing the job cache for one attempt, and telling the run what happened (`job.cache`):
 * on a hit, from which run the result comes (its log is that run's); on a miss, what changed, with the
 * project files named (the first 10, then how many more).
 */
import type { CacheValue, ManifestEntry } from "../artifacts/index.ts";
import type { ResolvedStep } from "../executor/types.ts";
import type { Job } from "../plan/schema.ts";
import { changedPaths, matchEntries } from "../workspace/job-files.ts";
import type { JobAttemptInput } from "./job-attempt.ts";
import type { RecordedReports } from "./job-reports.ts";
import { cacheKey, changedParts, jobCacheParts, lastPartsKey, type CacheKeyParts } from "./job-cache.ts";

export interface CacheLookup {
  readonly hit: boolean;
  readonly key: string;
  readonly parts: CacheKeyParts;
  /** On a hit, the reports and gate results the run that made it recorded (null: the job has none). */
  readonly reports: RecordedReports | null;
}

/** Changed files named in a miss, before "and N more files". */
export const NAMED_FILES = 10;

/** What a job-cache entry keeps: the outputs' artifact ids, the run that made them, and its reports and gate results. */
interface CachedResult {
  readonly outputs: Record<string, string>;
  readonly runId: string | null;
  readonly reports: RecordedReports | null;
}

/** What the last parts entry keeps, to say what changed on a miss. */
interface LastParts {
  readonly parts: CacheKeyParts;
  readonly snapshot: string | null;
}

export async function lookUpJobCache(input: JobAttemptInput, job: Job, image: string | null, steps: readonly ResolvedStep[]): Promise<CacheLookup | null> {
  const { artifacts, jobId, emit } = input;
  const patterns = job.cacheKey?.files ?? null;
  const parts = await jobCacheParts({ job, image, steps, executor: input.executor, store: artifacts, produced: input.produced, filesDigest: input.workspace.filesDigest(patterns), masker: input.masker, host: input.executor.kind === "local" });
  if (parts === null) return null;
  const key = cacheKey(jobId, parts);
  const entry = await artifacts.getCacheEntry(key);
  const cached = entry ? readCachedResult(entry.data) : null;
  if (entry && cached) {
    const { missing } = await artifacts.acquire(input.runId, entry.artifactIds);
    if (missing.length === 0) {
      input.produced.set(jobId, cached.outputs);
      if (cached.runId !== null) input.store.noteCachedLog(jobId, cached.runId);
      emit({ type: "job.cache", job: jobId, hit: true, key, changed: [], fromRun: cached.runId });
      return { hit: true, key, parts, reports: cached.reports };
    }
  }
  const last = await artifacts.getCacheEntry(lastPartsKey(input.plan.name, jobId));
  const previous = readLastParts(last?.data);
  let changed = changedParts(previous?.parts ?? null, parts);
  if (changed.includes("files")) changed = [...(await changedFiles(input, previous?.snapshot ?? null, patterns)), ...changed.filter((part) => part !== "files")];
  emit({ type: "job.cache", job: jobId, hit: false, key, changed: changed.length > 0 ? changed : ["the cached outputs are gone from the store"], fromRun: null });
  return { hit: false, key, parts, reports: null };
}

export async function saveJobCache(input: JobAttemptInput, key: string, parts: CacheKeyParts, outputs: Readonly<Record<string, string>>, reports: RecordedReports | null): Promise<void> {
  const data = { outputs: { ...outputs }, runId: input.runId, reports: reports === null ? null : (JSON.parse(JSON.stringify(reports)) as NonNullable<CacheValue["data"]>) };
  await input.artifacts.putCacheEntry(key, { artifactIds: Object.values(outputs), data });
  await input.artifacts.putCacheEntry(lastPartsKey(input.plan.name, input.jobId), { artifactIds: [], data: { parts: { ...parts }, snapshot: input.workspace.snapshot.id } });
}

/** `file src/a.ts`, ... for the first NAMED_FILES changed files the key takes, then `and N more files`. */
async function changedFiles(input: JobAttemptInput, previousSnapshot: string | null, patterns: readonly string[] | null): Promise<string[]> {
  if (previousSnapshot === null) return ["files"];
  const before: ManifestEntry[] = [];
  try {
    for await (const entry of input.artifacts.files(previousSnapshot)) before.push(entry);
  } catch {
    return ["files (the earlier run's snapshot is gone from the store, so pipec cannot name them)"];
  }
  const paths = changedPaths(matchEntries(before, patterns), matchEntries(input.workspace.entries, patterns));
  if (paths.length === 0) return ["files"];
  const named = paths.slice(0, NAMED_FILES).map((path) => `file ${path}`);
  return paths.length > NAMED_FILES ? [...named, `and ${paths.length - NAMED_FILES} more files`] : named;
}

function readCachedResult(data: unknown): CachedResult | null {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  if (record.outputs && typeof record.outputs === "object" && !Array.isArray(record.outputs)) {
    const reports = record.reports && typeof record.reports === "object" && !Array.isArray(record.reports) ? (record.reports as unknown as RecordedReports) : null;
    return { outputs: record.outputs as Record<string, string>, runId: typeof record.runId === "string" ? record.runId : null, reports };
  }
  return null;
}

function readLastParts(data: unknown): LastParts | null {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  if (!record.parts || typeof record.parts !== "object") return null;
  return { parts: record.parts as CacheKeyParts, snapshot: typeof record.snapshot === "string" ? record.snapshot : null };
}
