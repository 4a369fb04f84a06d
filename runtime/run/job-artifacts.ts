/**
 * Artifacts between jobs: before a job runs, the outputs it takes are restored into its workspace and
 * verified; after it succeeds, the outputs it declares are collected from its workspace into the store.
 * Problems are job failures with the artifact's name, never a crash of the run.
 */
import { ArtifactError, ArtifactIntegrityError, ArtifactTooLargeError, formatBytes, type ArtifactStore } from "../artifacts/index.ts";
import type { Job } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";

/** Limits on what outputs may hold: a runaway output fails its job instead of filling the disk. */
export interface OutputLimits {
  /** The most one output may hold. @default 5 GiB */
  readonly perOutputBytes: number;
  /** The most the outputs stored by one run may hold together. @default 20 GiB */
  readonly perRunBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { perOutputBytes: 5 * 1024 ** 3, perRunBytes: 20 * 1024 ** 3 };

/** What the run's outputs hold so far (jobs collecting at the same moment may go over by one output each). */
export interface OutputBudget {
  readonly limits: OutputLimits;
  usedBytes: number;
}

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
  for (const { job: producer, output, optional } of input.job.inputs) {
    const id = input.produced.get(producer)?.[output];
    if (!id) {
      const declared = input.produced.has(producer) ? "it finished without that output (an optional output that matched nothing)" : "it did not run successfully in this run";
      if (optional) {
        input.emit({ type: "run.notice", level: "info", message: `${input.jobId}: optional input ${producer}.${output} is not there (${declared}); the job runs without it` });
        continue;
      }
      return `input ${producer}.${output} is not available: ${declared}; take it as an optional input if the job can run without it`;
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
  readonly budget: OutputBudget;
}): Promise<{ ids: Record<string, string> } | { failure: string }> {
  const ids: Record<string, string> = {};
  const { budget } = input;
  for (const [name, output] of Object.entries(input.job.outputs)) {
    const runLeft = Math.max(0, budget.limits.perRunBytes - budget.usedBytes);
    const maxBytes = Math.min(budget.limits.perOutputBytes, runLeft);
    let result;
    try {
      result = await input.store.collect(input.workspace, output, { name, job: input.jobId, runId: input.runId, pipeline: input.pipeline, holdFor: input.runId, maxBytes });
    } catch (cause) {
      if (cause instanceof ArtifactTooLargeError) {
        const limit =
          maxBytes === budget.limits.perOutputBytes
            ? "the limit per output; raise it with pipec run --max-output-size"
            : `what is left of the run's limit of ${formatBytes(budget.limits.perRunBytes)} for all outputs (${formatBytes(budget.usedBytes)} stored by earlier outputs); raise it with pipec run --max-run-output-size`;
        return { failure: `output ${name}: ${cause.message}: ${limit}, or leave the big files out of the output (exclude)` };
      }
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
    budget.usedBytes += result.record.bytes;
    input.emit({ type: "artifact.stored", job: input.jobId, name, id: result.record.id, files: result.record.files, bytes: result.record.bytes });
  }
  return { ids };
}
