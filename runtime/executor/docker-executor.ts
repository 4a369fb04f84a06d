/**
 * The `docker` executor: each step runs in its own container from the step's (or the job's) image,
 * with the job's workspace bind-mounted at /workspace, the job's resource limits, never privileged,
 * on network `none` unless the job asks for `host`, or in its services' network namespace. Every
 * container carries the run's labels, so `cleanup` finds whatever a crash left behind.
 */
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
import { createImageResolver, type ImageResolver, type PullPolicy } from "./image-resolver.ts";
import { ServiceGroup } from "./services.ts";
import { abortOutcome, runSteps, type StepAttemptResult } from "./step-loop.ts";
import type { Executor, JobExecution, JobOutcome, ResolvedStep } from "./types.ts";
import { formatBytes } from "./step-messages.ts";
import { checkWorkingDirectory } from "./workspace-path.ts";

/** Where the job's workspace is mounted in every step container. */
export const CONTAINER_WORKSPACE = "/workspace";

export interface DockerExecutorOptions {
  /** `missing`: pull only images not present locally; `never`: fail instead; `always`: pull every image once per job. */
  readonly pullPolicy: PullPolicy;
  /** How long a service's readyCommand may keep failing. @default 60000 */
  readonly serviceReadyTimeoutMs?: number;
  /** Problems that do not change an outcome (a container that could not be removed), and pull progress. */
  readonly onWarning?: (message: string) => void;
}

export function createDockerExecutor(engine: DockerEngine, options: DockerExecutorOptions): Executor {
  const onWarning = options.onWarning ?? (() => {});
  return {
    kind: "docker",

    imageEnvironment: createImageEnvironment(engine, createImageResolver(engine, options.pullPolicy)),

    async runJob(execution) {
      const resolveImage = createImageResolver(engine, options.pullPolicy);
      const services = new ServiceGroup(execution, {
        engine,
        resolveImage,
        readyTimeoutMs: options.serviceReadyTimeoutMs ?? 60_000,
        onWarning,
      });
      try {
        let network: NetworkMode = execution.job.network;
        if (execution.services.length > 0) {
          const start = await services.start();
          if (start.kind === "aborted") return abortOutcome(execution.signal, null);
          if (start.kind === "failed") return { outcome: "infrastructure-error", message: start.message, permanent: start.permanent };
          network = start.network;
        }
        const outcome = await runSteps(execution, (step, signal) =>
          runDockerStep({ engine, execution, step, signal, network, resolveImage, onWarning }),
        );
        // A step that could not start because a service exited (its namespace is gone): say so.
        const gone = outcome.outcome === "infrastructure-error" && execution.services.length > 0 ? await services.whyGone() : null;
        return gone === null ? outcome : { outcome: "infrastructure-error", message: gone };
      } catch (error) {
        if (execution.signal.aborted) return abortOutcome(execution.signal, null);
        return infrastructureError(error);
      } finally {
        await services.dispose();
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

interface DockerStep {
  readonly engine: DockerEngine;
  readonly execution: JobExecution;
  readonly step: ResolvedStep;
  readonly signal: AbortSignal;
  readonly network: NetworkMode;
  readonly resolveImage: ImageResolver;
  readonly onWarning: (message: string) => void;
}

async function runDockerStep({ engine, execution, step, signal, network, resolveImage, onWarning }: DockerStep): Promise<StepAttemptResult> {
  const image = step.image ?? execution.image;
  if (image === null) {
    return { kind: "not-run", message: `step "${step.name}" has no image: give the job an image, or the step its own` };
  }
  const directory = await checkWorkingDirectory(execution.workspace, step.name, step.workingDirectory);
  if ("error" in directory) return { kind: "not-run", message: directory.error };
  const problem = await raceAbort(resolveImage(image), signal);
  if (problem === ABORTED) return { kind: "stopped" };
  if (problem !== null) return { kind: "infrastructure", message: problem.message, permanent: problem.permanent };

  const { resources } = execution.job;
  try {
    const result = await engine.runContainer(
      {
        image,
        cmd: ["sh", "-e", "-c", step.run],
        env: step.env,
        workingDir: posix.join(CONTAINER_WORKSPACE, directory.relative),
        binds: [{ hostPath: execution.workspace, containerPath: CONTAINER_WORKSPACE }],
        labels: containerLabels({ runId: execution.runId, job: execution.jobId }),
        network,
        cpus: resources.cpus,
        memoryBytes: resources.memoryBytes,
        pids: resources.pids,
        stopGraceMs: execution.stopGraceMs,
        init: true,
      },
      {
        onStdout: (chunk) => execution.onLog("stdout", chunk, step.index),
        onStderr: (chunk) => execution.onLog("stderr", chunk, step.index),
        signal,
        onWarning,
      },
    );
    if (signal.aborted) return { kind: "stopped" };
    if (result.oomKilled) {
      const limit = resources.memoryBytes === null ? "" : `, limit ${formatBytes(resources.memoryBytes)}`;
      return { kind: "exited", exitCode: result.exitCode, reason: `out of memory${limit}` };
    }
    return { kind: "exited", exitCode: result.exitCode };
  } catch (error) {
    if (signal.aborted) return { kind: "stopped" };
    return { kind: "infrastructure", message: describeEngineError(error) };
  }
}

function infrastructureError(error: unknown): JobOutcome {
  return { outcome: "infrastructure-error", message: describeEngineError(error) };
}

function describeEngineError(error: unknown): string {
  return error instanceof DockerError ? error.message : describeCause(error);
}
