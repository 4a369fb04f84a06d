/**
 * A run's state told by its events alone, for a run whose `state.json` never came: its process was
 * killed (SIGKILL, a crash, a power cut) or the disk was full when it ended. Every job's end is an
 * event appended whole before the next job can start, outputs included, so what the events say is
 * what happened, up to the jobs that were running.
 */
import type { RunEvent } from "./events.ts";
import { readRunEvents, readRunState, type RunState } from "./run-store.ts";

export function stateFromEvents(runId: string, events: readonly RunEvent[]): RunState | null {
  const started = events.find((e) => e.type === "run.started");
  if (started?.type !== "run.started") return null;
  const jobs: RunState["jobs"] = {};
  let finished: Extract<RunEvent, { type: "run.finished" }> | undefined;
  for (const event of events) {
    if (event.type === "job.finished") {
      jobs[event.job] = {
        status: event.status,
        attempts: event.attempts,
        durationMs: event.durationMs,
        exitCode: event.exitCode,
        reason: event.reason,
        outputs: event.outputs ?? {},
      };
    } else if (event.type === "run.finished") finished = event;
  }
  return {
    runId,
    pipeline: started.pipeline,
    status: finished?.status ?? "running",
    startedAt: started.time,
    finishedAt: finished?.time ?? null,
    resumedFrom: started.resumedFrom,
    jobs,
  };
}

/** The plain account of a run whose process disappeared before it ended: what succeeded, how to go on. */
export function killedRunNote(runId: string, state: RunState): string {
  const succeeded = Object.entries(state.jobs).filter(([, job]) => job.status === "success").map(([id]) => id);
  const after = succeeded.length === 0 ? "before any job succeeded" : `after ${succeeded.length === 1 ? "job" : "jobs"} ${succeeded.join(", ")} succeeded`;
  return `run ${runId} was killed (pipec's process disappeared) ${after}; pipec run --resume ${runId} continues it`;
}

/** The state of a run as `state.json` has it, else as its events tell (null when neither can). */
export function readOrRecoverRunState(projectDir: string, runId: string): RunState | null {
  const written = readRunState(projectDir, runId);
  if (written) return written;
  try {
    return stateFromEvents(runId, readRunEvents(projectDir, runId));
  } catch {
    return null;
  }
}
