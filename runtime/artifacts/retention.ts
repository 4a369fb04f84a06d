/**
 * Retention: which artifacts and cache entries gc deletes, and why. A pure function of the store's
 * state, the policy and the time (tested with a fake clock); gc.ts does the file work.
 *
 * Precedence, strongest first:
 *  1. Held by a live run (a queued or running job will restore it): never deleted.
 *  2. Pinned: never deleted, until unpinned.
 *  3. Expired (the output's `expireIn` has passed): deleted. The author's word on that artifact
 *     beats store-wide policies and the job cache.
 *  4. Over `maxTotalBytes`: least recently used first (ties: oldest first), among everything not
 *     held or pinned, until the store fits; 5 and 6 do not protect against it. Objects are shared,
 *     so an artifact frees only what no other kept artifact uses; one whose deletion turned out to
 *     free nothing (or that fits again) is kept after all.
 *  5. Used by a job-cache entry: kept by `keepRunsPerPipeline` and `maxAgeMs`. The entry counts as a
 *     use (its last hit is the artifact's last use) and ages out itself under `maxAgeMs`.
 *  6. `keepRunsPerPipeline`: artifacts of runs older than the last N runs of their pipeline (runs
 *     ordered by their newest artifact) are deleted; those of the last N runs are kept by `maxAgeMs`.
 *  7. `maxAgeMs`: artifacts unused (not restored, no cache hit) for longer are deleted.
 *  8. `removedRuns`: the artifacts of runs that were removed (the runs' snapshots among them) are
 *     deleted, under the same protections as 5 and 6.
 * Without a policy only expired artifacts go. Artifacts a rule wanted but a protection kept are
 * reported as `protected`, with the protection.
 */
import { formatAge, formatBytes } from "./format.ts";

export interface RetentionPolicy {
  /** Delete artifacts unused for longer than this. */
  readonly maxAgeMs?: number;
  /** Keep the store's objects under this many bytes. */
  readonly maxTotalBytes?: number;
  /** Keep the artifacts of the last N runs of each pipeline only (and keep those whatever their age). */
  readonly keepRunsPerPipeline?: number;
  /** Runs that were removed (`pipec runs rm` / `gc`): their artifacts go, unless held, pinned or used by the job cache. */
  readonly removedRuns?: ReadonlySet<string>;
}

export type RetentionRule = "expired" | "max-size" | "keep-runs" | "max-age" | "run-removed";

export interface RetentionCandidate {
  readonly id: string;
  readonly label: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number | null;
  readonly pinned: boolean;
  /** Live holders (run ids) referencing it. */
  readonly heldBy: readonly string[];
  /** Its objects, manifest included, with their sizes. */
  readonly objects: readonly { readonly digest: string; readonly size: number }[];
}

export interface CacheRef {
  readonly key: string;
  readonly lastUsedAt: number;
  readonly artifactIds: readonly string[];
}

export interface RetentionPlan {
  readonly deleteArtifacts: readonly { readonly id: string; readonly rule: RetentionRule; readonly reason: string }[];
  readonly protected: readonly { readonly id: string; readonly rule: RetentionRule; readonly reason: string }[];
  readonly deleteCacheEntries: readonly { readonly key: string; readonly reason: string }[];
  /** Bytes of the objects the artifacts use, before and after. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** True when `maxTotalBytes` could not be met because the rest is held or pinned. */
  readonly overLimit: boolean;
}

export function planRetention(input: { artifacts: readonly RetentionCandidate[]; cacheEntries: readonly CacheRef[]; policy: RetentionPolicy; now: number }): RetentionPlan {
  const { artifacts, policy, now } = input;
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const deleteCacheEntries: { key: string; reason: string }[] = [];
  const cachedUse = new Map<string, number>();
  for (const entry of input.cacheEntries) {
    const gone = entry.artifactIds.find((id) => !byId.has(id));
    if (gone !== undefined) deleteCacheEntries.push({ key: entry.key, reason: `its artifact ${gone.slice(0, 12)} no longer exists` });
    else if (policy.maxAgeMs !== undefined && now - entry.lastUsedAt > policy.maxAgeMs) deleteCacheEntries.push({ key: entry.key, reason: `unused for ${formatAge(now - entry.lastUsedAt)} (max age ${formatAge(policy.maxAgeMs)})` });
    else for (const id of entry.artifactIds) cachedUse.set(id, Math.max(cachedUse.get(id) ?? 0, entry.lastUsedAt));
  }
  const lastUse = (a: RetentionCandidate) => Math.max(a.lastUsedAt, cachedUse.get(a.id) ?? 0);
  const recentRuns = lastRuns(artifacts, policy.keepRunsPerPipeline);

  const deleted = new Map<string, { id: string; rule: RetentionRule; reason: string }>();
  const kept: { id: string; rule: RetentionRule; reason: string }[] = [];
  for (const a of artifacts) {
    const wanted = ruleFor(a, policy, now, recentRuns, lastUse(a));
    if (!wanted) continue;
    const protection =
      a.heldBy.length > 0 ? `held by run ${a.heldBy.join(", ")}` : a.pinned ? "pinned" : wanted.rule !== "expired" && cachedUse.has(a.id) ? "used by the job cache" : null;
    if (protection) kept.push({ id: a.id, rule: wanted.rule, reason: `${protection} (else: ${wanted.reason})` });
    else deleted.set(a.id, { id: a.id, ...wanted });
  }

  // Size: objects are shared, so an artifact frees only the objects no surviving artifact uses.
  const digestsOf = (a: RetentionCandidate) => new Map(a.objects.map((o) => [o.digest, o.size]));
  const refs = new Map<string, { size: number; count: number }>();
  for (const a of artifacts) {
    for (const [digest, size] of digestsOf(a)) refs.set(digest, { size, count: (refs.get(digest)?.count ?? 0) + 1 });
  }
  let total = sumSizes(refs);
  const bytesBefore = total;
  const drop = (a: RetentionCandidate) => {
    for (const digest of digestsOf(a).keys()) {
      const ref = refs.get(digest)!;
      if (--ref.count === 0) total -= ref.size;
    }
  };
  for (const id of deleted.keys()) drop(byId.get(id)!);
  let overLimit = false;
  if (policy.maxTotalBytes !== undefined && total > policy.maxTotalBytes) {
    const limit = policy.maxTotalBytes;
    const reason = `the store holds ${formatBytes(total)}, over the ${formatBytes(limit)} limit (least recently used first)`;
    const candidates = artifacts
      .filter((a) => !deleted.has(a.id) && a.heldBy.length === 0 && !a.pinned)
      .sort((x, y) => lastUse(x) - lastUse(y) || x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
    const victims: RetentionCandidate[] = [];
    for (const a of candidates) {
      if (total <= limit) break;
      deleted.set(a.id, { id: a.id, rule: "max-size", reason });
      drop(a);
      victims.push(a);
    }
    // Give back, newest victim first, what costs nothing (its objects are all still used) or still fits.
    for (const a of victims.reverse()) {
      let cost = 0;
      for (const digest of digestsOf(a).keys()) if (refs.get(digest)!.count === 0) cost += refs.get(digest)!.size;
      if (cost === 0 || total + cost <= limit) {
        deleted.delete(a.id);
        for (const digest of digestsOf(a).keys()) refs.get(digest)!.count++;
        total += cost;
      }
    }
    overLimit = total > limit;
  }
  for (const entry of input.cacheEntries) {
    const gone = entry.artifactIds.find((id) => deleted.has(id));
    if (gone !== undefined && !deleteCacheEntries.some((e) => e.key === entry.key)) {
      deleteCacheEntries.push({ key: entry.key, reason: `its artifact ${byId.get(gone)!.label} (${gone.slice(0, 12)}) is deleted` });
    }
  }
  return { deleteArtifacts: [...deleted.values()], protected: kept, deleteCacheEntries, bytesBefore, bytesAfter: total, overLimit };
}

function ruleFor(a: RetentionCandidate, policy: RetentionPolicy, now: number, recentRuns: Map<string, Set<string>> | null, lastUse: number): { rule: RetentionRule; reason: string } | null {
  if (a.expiresAt !== null && a.expiresAt <= now) return { rule: "expired", reason: `expired ${formatAge(now - a.expiresAt)} ago` };
  if (policy.removedRuns?.has(a.runId)) return { rule: "run-removed", reason: `its run ${a.runId} was removed` };
  const recent = recentRuns?.get(a.pipeline)?.has(a.runId);
  if (recentRuns && !recent) return { rule: "keep-runs", reason: `run ${a.runId} is not among the last ${policy.keepRunsPerPipeline} runs of pipeline ${a.pipeline}` };
  if (policy.maxAgeMs !== undefined && now - lastUse > policy.maxAgeMs && !recent) {
    return { rule: "max-age", reason: `unused for ${formatAge(now - lastUse)} (max age ${formatAge(policy.maxAgeMs)})` };
  }
  return null;
}

/** For each pipeline, its last `n` runs (by their newest artifact); null without the policy. */
function lastRuns(artifacts: readonly RetentionCandidate[], n: number | undefined): Map<string, Set<string>> | null {
  if (n === undefined) return null;
  const newest = new Map<string, Map<string, number>>();
  for (const a of artifacts) {
    const runs = newest.get(a.pipeline) ?? new Map<string, number>();
    runs.set(a.runId, Math.max(runs.get(a.runId) ?? 0, a.createdAt));
    newest.set(a.pipeline, runs);
  }
  const result = new Map<string, Set<string>>();
  for (const [pipeline, runs] of newest) {
    const order = [...runs].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? 1 : -1));
    result.set(pipeline, new Set(order.slice(0, n).map(([run]) => run)));
  }
  return result;
}

function sumSizes(refs: Map<string, { size: number }>): number {
  let total = 0;
  for (const ref of refs.values()) total += ref.size;
  return total;
}
