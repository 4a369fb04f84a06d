/**
 * The `docker` executor: a job's steps run in one container of the job's image, each `docker exec`'d
 * into it (see job-container.ts); a step with its own image gets a container of its own. Every
 * container has the job's workspace bind-mounted at /workspace and the job's resource limits, runs
 * as the job's user (by default the invoking user's uid:gid) with `no-new-privileges`, never
 * privileged, on network `none` unless the job asks for `host`, or in its services' network
 * namespace. Every container carries the run's labels, so `cleanup` finds whatever a crash left behind.
 */
import { rm } from "node:fs/promises";
import { posix } from "node:path";
import {
  DockerError,
  allPipecLabels,
  containerLabels,
  describeCause,
  runLabels,
  type DockerEngine,
  type NetworkMode,
} from "../docker/index.ts";
import { ABORTED, raceAbort } from "./abortable.ts";
import { createImageEnvironment } from "./image-environment.ts";
import { JobContainer, type JobContainerSpec } from "./job-container.ts";
import { stepCommand } from "./step-scripts.ts";
import { createHome, stepUser, type Invoker } from "./step-user.ts";
import { createImageResolver, type ImageResolver, type PullPolicy } from "./image-resolver.ts";
import { ServiceGroup } from "./services.ts";
import { abortOutcome, runSteps, type StepAttemptResult } from "./step-loop.ts";
import type { Executor, JobExecution, JobOutcome, ResolvedStep } from "./types.ts";
import type { Job } from "../plan/schema.ts";
import { formatBytes } from "./step-messages.ts";
import { checkWorkingDirectory } from "./workspace-path.ts";

/** Where the job's workspace is mounted in every step container. */
export const CONTAINER_WORKSPACE = "/workspace";
/** HOME for a step user that has none in the image (no passwd entry): a folder of the job, outside its workspace. */
export const CONTAINER_HOME = "/pipec/home";

export interface DockerExecutorOptions {
  /** `missing`: pull only images not present locally; `never`: fail instead; `always`: pull every image once per job. */
  readonly pullPolicy: PullPolicy;
  /** How long a service's readyCommand may keep failing. @default 60000 */
  readonly serviceReadyTimeoutMs?: number;
  /** Problems that do not change an outcome (a container that could not be removed), and pull progress. */
  readonly onWarning?: (message: string) => void;
  /** The uid and gid steps run as under `user: invoker`. @default this process's */
  readonly invoker?: Invoker;
}

/**
 * The jobs running in containers in this process, by run. A pipec that exits at once (a second
 * Ctrl-C, `process.exit`) removes their containers by label on its way out, blocking until the
 * engine has done it: containers never outlive the pipec that ran them.
 */
const liveJobs = new Map<string, { readonly engine: DockerEngine; jobs: number }>();
let exitHooked = false;

function removeLiveContainersOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const [runId, { engine }] of liveJobs) engine.removeByLabelSync(runLabels(runId));
  });
}

/** Counts a job of `runId` as live until the returned function is called. */
function trackLiveJob(engine: DockerEngine, runId: string): () => void {
  const live = liveJobs.get(runId) ?? { engine, jobs: 0 };
  live.jobs += 1;
  liveJobs.set(runId, live);
  return () => {
    live.jobs -= 1;
    if (live.jobs === 0) liveJobs.delete(runId);
  };
}

export function createDockerExecutor(engine: DockerEngine, options: DockerExecutorOptions): Executor {
  const onWarning = options.onWarning ?? (() => {});
  removeLiveContainersOnExit();
  return {
    kind: "docker",

    imageEnvironment: (() => {
      const ask = createImageEnvironment(engine, createImageResolver(engine, options.pullPolicy));
      // Asked as the steps' own user, so `${HOME}` is the HOME the steps get; a service runs as its image's user.
      return (image: string, runId: string, job: Job, as: "steps" | "service" = "steps") => {
        if (as === "service") return ask(image, runId, { spec: "", fallbackHome: null });
        const user = stepUser(job.user, options.invoker);
        return ask(image, runId, { spec: user.spec, fallbackHome: user.home === null ? null : CONTAINER_HOME });
      };
    })(),

    async runJob(execution) {
      const resolveImage = createImageResolver(engine, options.pullPolicy);
      const services = new ServiceGroup(execution, {
        engine,
        resolveImage,
        readyTimeoutMs: options.serviceReadyTimeoutMs ?? 60_000,
        onWarning,
      });
      const user = stepUser(execution.job.user, options.invoker);
      let home: string | null = null;
      let jobContainer: JobContainer | null = null;
      const untrack = trackLiveJob(engine, execution.runId);
      try {
        let network: NetworkMode = execution.job.network;
        if (execution.services.length > 0) {
          const start = await services.start();
          if (start.kind === "aborted") return abortOutcome(execution.signal, null);
          if (start.kind === "failed") return { outcome: "infrastructure-error", message: start.message, permanent: start.permanent };
          network = start.network;
        }
        home = user.home === null ? null : await createHome(execution.workspace, user.home);
        const spec = containerSpec(execution, network, user.spec, home);
        jobContainer = execution.image === null ? null : new JobContainer(engine, { ...spec, image: execution.image });
        const context = { engine, execution, spec, jobContainer, resolveImage, onWarning };
        const outcome = await runSteps(execution, (step, signal) => runDockerStep(context, step, signal));
        // A step that could not start because a service exited (its namespace is gone): say so.
        const gone = outcome.outcome === "infrastructure-error" && execution.services.length > 0 ? await services.whyGone() : null;
        return gone === null ? outcome : { outcome: "infrastructure-error", message: gone };
      } catch (error) {
        if (execution.signal.aborted) return abortOutcome(execution.signal, null);
        return infrastructureError(error);
      } finally {
        // The job's result does not wait for its containers to go when the caller takes that over.
        const cleanup = (async () => {
          await jobContainer?.dispose().catch((error: unknown) => onWarning(`could not remove the job's container: ${describeCause(error)}`));
          await services.dispose();
          if (home !== null) await rm(home, { recursive: true, force: true }).catch(() => {});
        })().finally(untrack);
        if (execution.deferCleanup) execution.deferCleanup(cleanup);
        else await cleanup;
      }
    },

    async identifyImage(image) {
      return engine.imageId(image).catch(() => null);
    },

    async cleanup(runId) {
      return engine.removeByLabel(runId === undefined ? allPipecLabels() : runLabels(runId));
    },
  };
}

interface DockerJob {
  readonly engine: DockerEngine;
  readonly execution: JobExecution;
  /** The containers' spec but for the image and the command. */
  readonly spec: Omit<JobContainerSpec, "image">;
  /** Null when the job has no image (every step names its own). */
  readonly jobContainer: JobContainer | null;
  readonly resolveImage: ImageResolver;
  readonly onWarning: (message: string) => void;
}

/** The spec every container of the job shares: workspace, labels, network, limits, user. */
function containerSpec(execution: JobExecution, network: NetworkMode, user: string, home: string | null): Omit<JobContainerSpec, "image"> {
  const { resources } = execution.job;
  const binds = [{ hostPath: execution.workspace, containerPath: CONTAINER_WORKSPACE }];
  if (home !== null) binds.push({ hostPath: home, containerPath: CONTAINER_HOME });
  return {
    env: {},
    workingDir: CONTAINER_WORKSPACE,
    binds,
    labels: containerLabels({ runId: execution.runId, job: execution.jobId }),
    network,
    cpus: resources.cpus,
    memoryBytes: resources.memoryBytes,
    pids: resources.pids,
    stopGraceMs: execution.stopGraceMs,
    init: true,
    user,
  };
}

async function runDockerStep(job: DockerJob, step: ResolvedStep, signal: AbortSignal): Promise<StepAttemptResult> {
  const { execution } = job;
  const image = step.image ?? execution.image;
  if (image === null) {
    return { kind: "not-run", message: `step "${step.name}" has no image: give the job an image, or the step its own` };
  }
  const directory = await checkWorkingDirectory(execution.workspace, step.name, step.workingDirectory);
  if ("error" in directory) return { kind: "not-run", message: directory.error };
  const problem = await raceAbort(job.resolveImage(image), signal);
  if (problem === ABORTED) return { kind: "stopped" };
  if (problem !== null) return { kind: "infrastructure", message: problem.message, permanent: problem.permanent };

  const workingDir = posix.join(CONTAINER_WORKSPACE, directory.relative);
  // A step's own HOME wins; otherwise a user without a passwd entry gets the job's home folder.
  const fallbackHome = job.spec.binds.length > 1 && !("HOME" in step.env) ? CONTAINER_HOME : null;
  const io = {
    onStdout: (chunk: Buffer) => execution.onLog("stdout", chunk, step.index),
    onStderr: (chunk: Buffer) => execution.onLog("stderr", chunk, step.index),
  };
  try {
    // The job's container is started whole even when a stop comes meanwhile, so that it is removed with the job.
    const start = step.image === null && job.jobContainer !== null ? await job.jobContainer.ensureStarted() : null;
    if (start?.notice) io.onStderr(Buffer.from(`pipec: ${start.notice}\n`));
    if (start?.ok === false && start.noShell) return { kind: "not-run", message: `step "${step.name}": ${start.reason}` };
    if (start?.ok) {
      if (signal.aborted) return { kind: "stopped" };
      const result = await job.jobContainer!.exec({ run: step.run, env: step.env, workingDir, fallbackHome, signal, ...io });
      return withMemoryLimit(result, execution);
    }
    if (signal.aborted) return { kind: "stopped" };
    const result = await job.engine.runContainer(
      { ...job.spec, image, cmd: stepCommand(step.run, null, fallbackHome), env: step.env, workingDir },
      { ...io, signal, onWarning: job.onWarning },
    );
    if (signal.aborted) return { kind: "stopped" };
    return withMemoryLimit({ kind: "exited", exitCode: result.exitCode, ...(result.oomKilled ? { reason: "out of memory" } : {}) }, execution);
  } catch (error) {
    if (signal.aborted) return { kind: "stopped" };
    return { kind: "infrastructure", message: describeEngineError(error) };
  }
}

/** "out of memory" gains the job's limit. */
function withMemoryLimit(result: StepAttemptResult, execution: JobExecution): StepAttemptResult {
  if (result.kind !== "exited" || result.reason !== "out of memory") return result;
  const limit = execution.job.resources.memoryBytes;
  return { ...result, reason: `out of memory${limit === null ? "" : `, limit ${formatBytes(limit)}`}` };
}

function infrastructureError(error: unknown): JobOutcome {
  return { outcome: "infrastructure-error", message: describeEngineError(error) };
}

function describeEngineError(error: unknown): string {
  return error instanceof DockerError ? error.message : describeCause(error);
}
