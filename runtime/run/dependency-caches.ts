/**
 * Dependency caches (`caches: [{ key: [files("package-lock.json")], paths: ["node_modules"] }]`):
 * restored into the workspace before the job and saved after it succeeds, keyed by the content of
 * the key files and the key values. A key that exists is never overwritten (its content is the same
 * by definition); `pull` only restores, `push` only saves.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { ArtifactStore } from "../artifacts/index.ts";
import type { Job } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";

type Cache = Job["caches"][number];

/** The cache's key: the values and the sha256 of every file its `files` patterns match, in path order. */
export async function dependencyCacheKey(pipeline: string, cache: Cache, workspace: string): Promise<string> {
  const hash = createHash("sha256").update(`dep-cache-v1\0${pipeline}\0${JSON.stringify(cache.paths)}\0`);
  for (const part of cache.key) {
    if ("value" in part) {
      hash.update(`V\0${part.value}\0`);
      continue;
    }
    const { glob } = await import("tinyglobby");
    const matches = (await glob([...part.files], { cwd: workspace, dot: true, onlyFiles: true, followSymbolicLinks: false })).sort();
    hash.update(`F\0${JSON.stringify(part.files)}\0${matches.length}\0`);
    for (const file of matches) {
      hash.update(`${file}\0`);
      for await (const chunk of createReadStream(`${workspace}/${file}`)) hash.update(chunk as Buffer);
    }
  }
  return `dep:${hash.digest("hex")}`;
}

export async function restoreDependencyCaches(input: { store: ArtifactStore; job: Job; jobId: string; pipeline: string; runId: string; workspace: string; emit: (e: RunEventDraft) => void }): Promise<string[]> {
  const keys: string[] = [];
  for (const [index, cache] of input.job.caches.entries()) {
    const key = await dependencyCacheKey(input.pipeline, cache, input.workspace);
    keys.push(key);
    if (cache.policy === "push") continue;
    const entry = await input.store.getCacheEntry(key);
    const id = entry?.artifactIds[0];
    if (!id || (await input.store.acquire(input.runId, [id])).missing.length > 0) {
      input.emit({ type: "run.notice", level: "info", message: `${input.jobId}: cache ${index + 1} (${cache.paths.join(", ")}) has no entry for this key yet` });
      continue;
    }
    const restored = await input.store.restore(id, input.workspace);
    input.emit({ type: "run.notice", level: "info", message: `${input.jobId}: cache ${index + 1} restored (${restored.files} files)` });
  }
  return keys;
}

export async function saveDependencyCaches(input: { store: ArtifactStore; job: Job; jobId: string; pipeline: string; runId: string; workspace: string; keys: readonly string[]; emit: (e: RunEventDraft) => void }): Promise<void> {
  for (const [index, cache] of input.job.caches.entries()) {
    const key = input.keys[index]!;
    if (cache.policy === "pull" || (await input.store.getCacheEntry(key))) continue;
    const result = await input.store.collect(input.workspace, { paths: cache.paths, optional: true }, { name: `cache-${index + 1}`, job: input.jobId, runId: input.runId, pipeline: input.pipeline, holdFor: input.runId });
    if (result.kind === "missing") continue;
    await input.store.putCacheEntry(key, { artifactIds: [result.record.id] });
    input.emit({ type: "run.notice", level: "info", message: `${input.jobId}: cache ${index + 1} saved (${result.record.files} files)` });
  }
}
