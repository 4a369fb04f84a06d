/**
 * A run killed hard (SIGKILL, a crash, a power cut) cannot clean up after itself. The next run in the
 * same project does it: every earlier run without a final state whose process is gone gets its
 * containers removed, and a final state that says so.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Executor } from "../executor/types.ts";
import { listRunIds, readRunEvents, runDir } from "./run-store.ts";

export const PID_FILE = "pid";

export function writePidFile(dir: string): void {
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the run in `dir` is going on: no final state, and the process that wrote its pid file is alive. */
export function isRunLive(dir: string): boolean {
  if (existsSync(join(dir, "state.json"))) return false;
  const pid = Number.parseInt(existsSync(join(dir, PID_FILE)) ? readFileSync(join(dir, PID_FILE), "utf8") : "", 10);
  return Number.isInteger(pid) && alive(pid);
}

/** Returns the ids of the crashed runs it cleaned up and the containers removed. */
export async function reapCrashedRuns(projectDir: string, executor: Executor): Promise<{ runs: string[]; removed: number }> {
  const runs: string[] = [];
  let removed = 0;
  for (const id of listRunIds(projectDir)) {
    const dir = runDir(projectDir, id);
    if (existsSync(join(dir, "state.json"))) continue;
    const pid = Number.parseInt(existsSync(join(dir, PID_FILE)) ? readFileSync(join(dir, PID_FILE), "utf8") : "", 10);
    if (Number.isInteger(pid) && alive(pid)) continue;
    removed += await executor.cleanup(id).catch(() => 0);
    const started = readRunEvents(projectDir, id).find((e) => e.type === "run.started");
    const state = {
      runId: id,
      pipeline: started?.type === "run.started" ? started.pipeline : "unknown",
      status: "cancelled",
      startedAt: started?.time ?? new Date(0).toISOString(),
      finishedAt: null,
      resumedFrom: null,
      jobs: {},
      note: "the run's process ended without finishing it; a later run cleaned up after it",
    };
    writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
    runs.push(id);
  }
  return { runs, removed };
}
