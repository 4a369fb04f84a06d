/**
 * The `local` executor: each step is a host process (`sh -e -c`) in the job's workspace, in its own
 * process group and with a marker that finds what left the group (step-marker.ts). For machines
 * without Docker; images and resource limits are not applied (`notices` says so once per run), and
 * the job runs with whatever tools the host has. `network: none` is a private network namespace
 * where the machine allows one (network-namespace.ts). Services need containers, so a job with
 * services is refused.
 */
import { join } from "node:path";
import type { Job } from "../plan/schema.ts";
import { probeNetworkIsolation, rememberedIsolation, rememberIsolation, withoutNetwork, type NetworkIsolation } from "./network-namespace.ts";
import { killGroup, runProcessGroup } from "./process-group.ts";
import { killMarkedProcesses, stepToken } from "./step-marker.ts";
import { runSteps, type StepAttemptResult } from "./step-loop.ts";
import type { Executor, JobExecution, JobOutcome, ResolvedStep } from "./types.ts";
import { checkWorkingDirectory } from "./workspace-path.ts";

/**
 * Every live group (and its step's marker) of every local executor in this process. A pipec that
 * exits at once (a second Ctrl-C, `process.exit`) kills them on its way out: steps never outlive
 * the pipec that ran them.
 */
const liveGroups = new Map<number, string>();
let exitHooked = false;

function killLiveGroupsOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const [pgid, token] of liveGroups) {
      killGroup(pgid, "SIGKILL");
      killMarkedProcesses(token);
    }
  });
}

export interface LocalExecutorOptions {
  /**
   * Where the answer of the network-namespace probe is remembered (a project's `.pipec`), so that a
   * run whose jobs are all cached starts no probe to say what it would enforce. @default not remembered
   */
  readonly stateDir?: string;
}

export function createLocalExecutor(options: LocalExecutorOptions = {}): Executor {
  /** Live process groups this executor started, with the run each belongs to. */
  const groups = new Map<number, string>();
  killLiveGroupsOnExit();
  /** What `notices` said of network isolation (remembered or probed). */
  let told: NetworkIsolation | undefined;

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
      // Steps go by this process's own probe, whatever was remembered; a remembered answer that no longer holds is said, and mended.
      const isolated = execution.job.network === "none" && (await isolationForSteps(execution));
      return runSteps(execution, (step, signal) => {
        const token = stepToken(execution.runId, execution.jobId, step.index);
        return runLocalStep(execution, step, signal, token, isolated, (pgid, alive) => {
          if (alive) {
            groups.set(pgid, execution.runId);
            liveGroups.set(pgid, token);
          } else {
            groups.delete(pgid);
            liveGroups.delete(pgid);
          }
        });
      });
    },

    async cleanup(runId?: string): Promise<number> {
      let killed = 0;
      for (const [pgid, owner] of groups) {
        if (runId !== undefined && owner !== runId) continue;
        if (killGroup(pgid, "SIGKILL")) killed++;
        groups.delete(pgid);
        liveGroups.delete(pgid);
      }
      // What a run left running outside its groups, or all a run killed hard left (its markers start with its id).
      if (runId !== undefined) killed += killMarkedProcesses(runId, { prefix: true });
      return killed;
    },

    async notices(jobs) {
      // The probe starts a process: only when a job asks for no network, and its answer is not remembered.
      const offline = [...jobs.values()].some((job) => job.network === "none");
      if (offline) told = options.stateDir === undefined ? await probeNetworkIsolation() : await rememberedIsolation(options.stateDir);
      return localExecutorGaps(jobs, offline ? told! : { available: true, why: "" });
    },
  };

  async function isolationForSteps(execution: JobExecution): Promise<boolean> {
    const isolation = await probeNetworkIsolation();
    if (told !== undefined && told.available !== isolation.available) {
      if (options.stateDir !== undefined) rememberIsolation(options.stateDir, isolation);
      if (!isolation.available) execution.onLog("stderr", Buffer.from(`pipec: warning: network: none is not enforced for this job: ${isolation.why}\n`), execution.steps[0]?.index ?? 0);
      told = isolation;
    }
    return isolation.available;
  }
}

/** What the local executor does not do for these jobs, in one sentence (or none). */
export function localExecutorGaps(jobs: ReadonlyMap<string, Job>, isolation: { readonly available: boolean; readonly why: string }): string[] {
  const named = (test: (job: Job) => boolean) => [...jobs].filter(([, job]) => test(job)).map(([id]) => id);
  const gaps: string[] = [];
  const imaged = named((job) => job.image !== null || job.steps.some((step) => step.image !== null));
  if (imaged.length > 0) gaps.push(`images (${list(imaged)})`);
  const limited = named((job) => job.resources.cpus !== null || job.resources.memoryBytes !== null || job.resources.pids !== null);
  if (limited.length > 0) gaps.push(`resource limits (${list(limited)})`);
  const offline = named((job) => job.network === "none");
  if (offline.length > 0 && !isolation.available) gaps.push(`network: none (${list(offline)}; ${isolation.why})`);
  if (gaps.length === 0) return [];
  return [`the local executor runs steps as processes on this machine, with its tools, and does not enforce ${gaps.join(", ")}; use --executor docker for them`];
}

function list(ids: readonly string[]): string {
  const shown = ids.length > 5 ? [...ids.slice(0, 5), `${ids.length - 5} more`] : ids;
  return `${ids.length === 1 ? "job" : "jobs"} ${shown.join(", ")}`;
}

async function runLocalStep(
  execution: JobExecution,
  step: ResolvedStep,
  signal: AbortSignal,
  token: string,
  isolated: boolean,
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
    token,
    wrap: isolated ? withoutNetwork : undefined,
  });
  if (end.kind === "spawn-error") {
    const { code, message } = end.error;
    const hint = code === "ENOENT" ? ": is `sh` on the PATH, and does the workspace exist?" : "";
    return { kind: "not-run", message: `step "${step.name}" could not start: ${message}${hint}` };
  }
  if (signal.aborted) return { kind: "stopped" };
  return { kind: "exited", exitCode: end.exitCode };
}
