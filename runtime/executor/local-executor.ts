/**
 * The `local` executor: each step is a host process (`sh -e -c`) in the job's workspace, in its own
 * process group. For machines without Docker; images are ignored, and the job runs with whatever
 * tools the host has. Services need containers, so a job with services is refused.
 */
import { join } from "node:path";
import { killGroup, runProcessGroup } from "./process-group.ts";
import { runSteps, type StepAttemptResult } from "./step-loop.ts";
import type { Executor, JobExecution, JobOutcome, ResolvedStep } from "./types.ts";
import { checkWorkingDirectory } from "./workspace-path.ts";

/**
 * Every live group of every local executor in this process. A pipec that exits at once (a second
 * Ctrl-C, `process.exit`) kills them on its way out: steps never outlive the pipec that ran them.
 */
const liveGroups = new Set<number>();
let exitHooked = false;

function killLiveGroupsOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
  });
}

export function createLocalExecutor(): Executor {
  /** Live process groups this executor started, with the run each belongs to. */
  const groups = new Map<number, string>();
  killLiveGroupsOnExit();

  return {
    kind: "local",

    // Local jobs run on the host: the image names nothing that could change under them.
    async identifyImage() {
      return `local:${process.platform}-${process.arch}`;
    },

    async runJob(execution: JobExecution): Promise<JobOutcome> {
      if (execution.services.length > 0) {
        const names = execution.services.map((service) => service.name).join(", ");
        return {
          outcome: "failed",
          exitCode: 1,
          step: execution.steps[0]?.index ?? 0,
          message: `job "${execution.jobId}" has services (${names}), which the local executor cannot start; run it with the docker executor`,
        };
      }
      return runSteps(execution, (step, signal) => runLocalStep(execution, step, signal, (pgid, alive) => {
        if (alive) {
          groups.set(pgid, execution.runId);
          liveGroups.add(pgid);
        } else {
          groups.delete(pgid);
          liveGroups.delete(pgid);
        }
      }));
    },

    async cleanup(runId?: string): Promise<number> {
      let killed = 0;
      for (const [pgid, owner] of groups) {
        if (runId !== undefined && owner !== runId) continue;
        if (killGroup(pgid, "SIGKILL")) killed++;
        groups.delete(pgid);
        liveGroups.delete(pgid);
      }
      return killed;
    },
  };
}

async function runLocalStep(
  execution: JobExecution,
  step: ResolvedStep,
  signal: AbortSignal,
  track: (pgid: number, alive: boolean) => void,
): Promise<StepAttemptResult> {
  const directory = await checkWorkingDirectory(execution.workspace, step.name, step.workingDirectory);
  if ("error" in directory) return { kind: "not-run", message: directory.error };
  if (signal.aborted) return { kind: "stopped" };
  const end = await runProcessGroup({
    script: step.run,
    cwd: join(execution.workspace, directory.relative),
    env: step.env,
    onStdout: (chunk) => execution.onLog("stdout", chunk, step.index),
    onStderr: (chunk) => execution.onLog("stderr", chunk, step.index),
    signal,
    stopGraceMs: execution.stopGraceMs,
    track,
  });
  if (end.kind === "spawn-error") {
    const { code, message } = end.error;
    const hint = code === "ENOENT" ? ": is `sh` on the PATH, and does the workspace exist?" : "";
    return { kind: "not-run", message: `step "${step.name}" could not start: ${message}${hint}` };
  }
  if (signal.aborted) return { kind: "stopped" };
  return { kind: "exited", exitCode: end.exitCode };
}
