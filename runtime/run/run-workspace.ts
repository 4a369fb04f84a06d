/**
 * The run's copy of the project: snapshotted once (honouring .gitignore) under the run directory, then
 * copied per job attempt, so jobs never touch the author's files or each other's.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createJobWorkspace, snapshotProject, treeDigest } from "../workspace/index.ts";

export interface RunWorkspace {
  readonly warnings: readonly string[];
  /** Where the workspace of one attempt of one job is (or will be). */
  pathFor(jobId: string, attempt: number): string;
  /** A fresh workspace for one attempt of one job; returns its absolute path. */
  forJob(jobId: string, attempt: number): Promise<string>;
  /** The digest of the project snapshot (computed once, on first use): part of every job's cache key. */
  digest(): Promise<string>;
}

/** `excluded`: absolute paths never copied (the file of secret values), wherever they lie. */
export async function prepareRunWorkspace(projectDir: string, runDir: string, excluded: readonly string[] = []): Promise<RunWorkspace> {
  const source = join(runDir, "source");
  const snapshot = await snapshotProject(projectDir, source, excluded);
  let digest: Promise<string> | undefined;
  return {
    digest: () => (digest ??= treeDigest(source)),
    warnings: snapshot.warnings,
    pathFor: (jobId, attempt) => join(runDir, "work", `${jobId}.${attempt}`),
    async forJob(jobId, attempt) {
      const dir = join(runDir, "work", `${jobId}.${attempt}`);
      await rm(dir, { recursive: true, force: true });
      await createJobWorkspace(source, dir);
      return dir;
    },
  };
}
