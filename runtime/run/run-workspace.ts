/**
 * The run's view of the project: a content-addressed snapshot in the artifact store (taken once,
 * honouring .gitignore; see runtime/workspace), from which each job attempt gets its own copy, so
 * jobs never touch the author's files, the store or each other's.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore, ManifestEntry } from "../artifacts/index.ts";
import { filesDigest, snapshotProject } from "../workspace/index.ts";
import { openJobFilesMemo } from "./job-files-memo.ts";

export interface RunWorkspace {
  readonly warnings: readonly string[];
  /** The snapshot's artifact id and manifest digest. */
  readonly snapshot: { readonly id: string; readonly manifest: string };
  readonly entries: readonly ManifestEntry[];
  /** Where the workspace of one attempt of one job is (or will be). */
  pathFor(jobId: string, attempt: number): string;
  /** A fresh workspace for one attempt of one job; returns its absolute path. */
  forJob(jobId: string, attempt: number): Promise<string>;
  /** The digest of the project files a job's cache key takes (all, or those `patterns` match). */
  filesDigest(patterns: readonly string[] | null): string;
}

export interface RunWorkspaceOptions {
  readonly projectDir: string;
  readonly runDir: string;
  readonly store: ArtifactStore;
  readonly runId: string;
  readonly pipeline: string;
  /** Absolute paths never taken (the file of secret values), wherever they lie. */
  readonly excluded?: readonly string[];
}

/**
 * The small files a run reads for its snapshot are kept in memory for the run, so that each job's
 * workspace is written from them (one file creation each) rather than copied back out of the store.
 */
const KEEP_IN_MEMORY = { fileBytes: 32 * 1024, totalBytes: 32 * 1024 * 1024 } as const;

export async function prepareRunWorkspace(options: RunWorkspaceOptions): Promise<RunWorkspace> {
  const { runDir, store } = options;
  const pipecDir = join(options.projectDir, ".pipec");
  const snapshot = await snapshotProject({
    projectDir: options.projectDir,
    store,
    runId: options.runId,
    pipeline: options.pipeline,
    pipecDir,
    excluded: [runDir, ...(options.excluded ?? [])],
    keep: KEEP_IN_MEMORY,
  });
  const memo = openJobFilesMemo(pipecDir, snapshot.record.manifest);
  return {
    warnings: snapshot.warnings,
    snapshot: { id: snapshot.record.id, manifest: snapshot.record.manifest },
    // Read only when a job needs them (a workspace, a key's files not remembered, the changed files of a miss).
    get entries() {
      return snapshot.entries;
    },
    pathFor: (jobId, attempt) => join(runDir, "work", `${jobId}.${attempt}`),
    async forJob(jobId, attempt) {
      const dir = join(runDir, "work", `${jobId}.${attempt}`);
      await rm(dir, { recursive: true, force: true });
      await store.checkout(snapshot.entries, dir, { contents: snapshot.contents });
      return dir;
    },
    filesDigest: (patterns) => memo.digest(patterns, () => filesDigest(snapshot.entries, patterns)),
  };
}
