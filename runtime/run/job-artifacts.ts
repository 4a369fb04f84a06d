/**
 * Artifacts between jobs: before a job runs, the outputs it takes are restored into its workspace and
 * verified; after it succeeds, the outputs it declares are collected from its workspace into the store.
 * Problems are job failures with the artifact's name, never a crash of the run.
 */
import { ArtifactError, ArtifactIntegrityError, type ArtifactStore } from "../artifacts/index.ts";
import type { Job } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";

/** Artifact ids by job id and output name, for the jobs that finished so far (and resumed ones). */
export type ArtifactIndex = Map<string, Record<string, string>>;

export async function restoreInputs(input: {
  readonly store: ArtifactStore;
  readonly job: Job;
  readonly jobId: string;
  readonly produced: ArtifactIndex;
  readonly workspace: string;
  readonly emit: (event: RunEventDraft) => void;
}): Promise<string | null> {
  for (const { job: producer, output } of input.job.inputs) {
    const id = input.produced.get(producer)?.[output];
    if (!id) {
      const declared = input.produced.has(producer) ? "it finished without that output (an optional output that matched nothing)" : "it did not run successfully in this run";
      return `input ${producer}.${output} is not available: ${declared}`;
    }
    try {
      const restored = await input.store.restore(id, input.workspace);
      input.emit({ type: "artifact.restored", job: input.jobId, from: producer, name: output, id, files: restored.files, bytes: restored.bytes });
    } catch (cause) {
      if (!(cause instanceof ArtifactError)) throw cause;
      // A cached producer would otherwise stay a hit, and this job would fail on every run.
      const dropped = cause instanceof ArtifactIntegrityError ? await input.store.dropCacheEntriesOf(id).catch(() => 0) : 0;
      const next = dropped > 0 ? ` (its job-cache entry is dropped: the next run runs ${producer} again)` : "";
      return `input ${producer}.${output}: ${cause.message}${next}`;
    }
  }
  return null;
}

export async function collectOutputs(input: {
  readonly store: ArtifactStore;
  readonly job: Job;
  readonly jobId: string;
  readonly runId: string;
  readonly pipeline: string;
  readonly workspace: string;
  readonly emit: (event: RunEventDraft) => void;
}): Promise<{ ids: Record<string, string> } | { failure: string }> {
  const ids: Record<string, string> = {};
  for (const [name, output] of Object.entries(input.job.outputs)) {
    let result;
    try {
      result = await input.store.collect(input.workspace, output, { name, job: input.jobId, runId: input.runId, pipeline: input.pipeline, holdFor: input.runId });
    } catch (cause) {
      if (cause instanceof ArtifactError) return { failure: `output ${name}: ${cause.message}` };
      throw cause;
    }
    if (result.kind === "missing") {
      if (!result.optional) return { failure: result.message };
      input.emit({ type: "run.notice", level: "info", message: `${input.jobId}: optional output ${name} matched no files` });
      continue;
    }
    for (const warning of result.warnings) input.emit({ type: "run.notice", level: "warning", message: `${input.jobId}: output ${name}: ${warning}` });
    ids[name] = result.record.id;
    input.emit({ type: "artifact.stored", job: input.jobId, name, id: result.record.id, files: result.record.files, bytes: result.record.bytes });
  }
  return { ids };
}
