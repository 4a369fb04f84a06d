/**
 * A run killed hard (SIGKILL, a crash, a power cut) cannot clean up after itself. The next run in the
 * same project does it: every earlier run without a final state whose process is gone gets its
 * containers removed, and a final state told by its events (recover-run-state.ts): the jobs that
 * succeeded stay succeeded, so `pipec run --resume` keeps them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Executor } from "../executor/types.ts";
import { killedRunNote, stateFromEvents } from "./recover-run-state.ts";
import { listRunIds, readRunEvents, readRunState, runDir, type RunState } from "./run-store.ts";
import { processAlive } from "../process-alive.ts";

export const PID_FILE = "pid";

export function writePidFile(dir: string): void {
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`);
}

/** Whether the pipec that ran this run is still running (a run without a pid file is taken as gone). */
export function runProcessAlive(dir: string): boolean {
  const pid = Number.parseInt(existsSync(join(dir, PID_FILE)) ? readFileSync(join(dir, PID_FILE), "utf8") : "", 10);
  return Number.isInteger(pid) && processAlive(pid);
}

/** Whether the run in `dir` is going on: no final state, and the process that wrote its pid file is alive. */
export function isRunLive(dir: string): boolean {
  return !existsSync(join(dir, "state.json")) && runProcessAlive(dir);
}

export interface ReapedRuns {
  /** The ids of the runs finished here. */
  readonly runs: string[];
  /** What happened to each, in words: killed after which jobs, or ended with no state written. */
  readonly notes: string[];
  readonly removed: number;
}

export async function reapCrashedRuns(projectDir: string, executor: Executor): Promise<ReapedRuns> {
  const runs: string[] = [];
  const notes: string[] = [];
  let removed = 0;
  for (const id of listRunIds(projectDir)) {
    const dir = runDir(projectDir, id);
    if (readRunState(projectDir, id) !== null || runProcessAlive(dir)) continue;
    removed += await executor.cleanup(id).catch(() => 0);
    const recovered = stateFromEvents(id, readRunEvents(projectDir, id));
    let state: RunState;
    if (recovered && recovered.status !== "running") {
      // It ended, but its state.json could not be written (a full disk): its events say how.
      state = { ...recovered, note: "state.json was not written when the run ended; recovered from events.jsonl" };
      notes.push(`run ${id} ended ${recovered.status} but could not record it (state.json missing); its state is recovered from its events`);
    } else {
      const base: RunState = recovered ?? { runId: id, pipeline: "unknown", status: "running", startedAt: new Date(0).toISOString(), finishedAt: null, resumedFrom: null, jobs: {} };
      const note = killedRunNote(id, base);
      state = { ...base, status: "cancelled", note };
      notes.push(note);
    }
    try {
      writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
    } catch {
      // A disk still full: the events keep telling the same story, and the next run tries again.
    }
    runs.push(id);
  }
  return { runs, notes, removed };
}
