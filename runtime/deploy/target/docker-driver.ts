/**
 * The docker target: each instance is a detached container on the host network (the engine runs
 * with --bridge=none), told its port through PORT, labelled with its deployment and version so that
 * `cleanup` finds leftovers after a crash. Only the Docker adapter (`runtime/docker`) talks to the engine.
 */
import { randomBytes } from "node:crypto";
import { deploymentLabels, deploymentSelector, describeCause, projectLabel, type DockerEngine, type StartedContainer } from "../../docker/index.ts";
import type { Instance } from "../types.ts";
import { TargetExitedError, TargetImageMissingError, TargetSpawnError, TargetUnknownInstanceError } from "./errors.ts";
import { lastLines } from "./output-tail.ts";
import { releasePort } from "./port-allocator.ts";
import type { DockerTarget, DriverOptions, InstanceStatus, ObservableTargetDriver, StartRequest } from "./types.ts";
import { waitForStart } from "./wait-for-start.ts";

interface Running {
  readonly instance: Instance;
  readonly deployment: string;
  readonly container: StartedContainer;
}

const DEFAULT_STARTUP_WINDOW_MS = 2_000;
/** The stop grace the adapter uses if a container is stopped through it rather than `stop`. */
const ADAPTER_STOP_GRACE_MS = 10_000;

export function createDockerTargetDriver(engine: DockerEngine, target: DockerTarget, options: DriverOptions = {}): ObservableTargetDriver {
  const running = new Map<string, Running>();
  const stopped = new Set<string>();
  const outputLines = options.outputLines ?? 40;
  const project = options.project ?? projectLabel(process.cwd());

  const forget = (entry: Running) => {
    running.delete(entry.instance.id);
    stopped.add(entry.instance.id);
    releasePort(entry.instance.port);
  };

  return {
    kind: "docker",

    async start(request: StartRequest) {
      const ref = { deployment: request.deployment, version: request.version, index: request.index };
      const command = target.command ?? [];
      if ((await engine.imageId(target.image)) === null) throw new TargetImageMissingError(target.image, ref);

      let container: StartedContainer;
      try {
        container = await engine.startContainer({
          name: containerName(request),
          image: target.image,
          cmd: command,
          // PORT last: the deployer picks the port, nothing overrides it.
          env: { ...target.env, ...request.env, PORT: String(request.port) },
          workingDir: "",
          binds: [],
          labels: deploymentLabels({ deployment: request.deployment, version: request.version, project }),
          network: "host",
          cpus: null,
          memoryBytes: null,
          pids: null,
          stopGraceMs: ADAPTER_STOP_GRACE_MS,
          // docker-init as PID 1 forwards SIGTERM, so a command that is PID 1 without a handler
          // (a shell wrapper) still stops within the grace. The engine's default restart policy is "no".
          init: true,
        });
      } catch (error) {
        throw new TargetSpawnError(ref, command, describeCause(error), error);
      }

      const entry: Running = {
        instance: { id: container.id, host: "127.0.0.1", port: request.port, version: request.version },
        deployment: request.deployment,
        container,
      };
      running.set(container.id, entry);

      const isRunning = async () => {
        try {
          return (await container.state()).running;
        } catch {
          return false; // gone (removed by a cleanup in between)
        }
      };
      const outcome = await waitForStart({
        port: request.port,
        windowMs: options.startupWindowMs ?? DEFAULT_STARTUP_WINDOW_MS,
        isRunning,
        pollMs: 100,
      });
      if (outcome === "exited") {
        const exitCode = await container.state().then((state) => state.exitCode, () => null);
        const lines = await container.logs(outputLines).then((text) => lastLines(text, outputLines), () => []);
        await container.remove();
        forget(entry);
        stopped.delete(entry.instance.id);
        throw new TargetExitedError(ref, command, request.port, exitCode, null, lines);
      }
      return entry.instance;
    },

    async stop(instance, graceMs) {
      const entry = running.get(instance.id);
      if (entry === undefined) {
        if (stopped.has(instance.id)) return;
        throw new TargetUnknownInstanceError(instance.id);
      }
      await entry.container.stop(graceMs);
      await entry.container.remove();
      forget(entry);
    },

    async cleanup(deployment) {
      const removed = await engine.removeByLabel(deploymentSelector(deployment, project));
      for (const entry of [...running.values()]) if (entry.deployment === deployment) forget(entry);
      return removed;
    },

    async status(instance): Promise<InstanceStatus> {
      const entry = running.get(instance.id);
      if (entry === undefined) {
        if (stopped.has(instance.id)) return { running: false, exitCode: null, lastLines: [] };
        throw new TargetUnknownInstanceError(instance.id);
      }
      const state = await entry.container.state();
      const text = await entry.container.logs(outputLines);
      return { running: state.running, exitCode: state.running ? null : state.exitCode, lastLines: lastLines(text, outputLines) };
    },
  };
}

/** `pipec-<deployment>-<version>-<index>-<random>`: readable in `docker ps`, unique on the engine. */
function containerName(request: StartRequest): string {
  const safe = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, "-").slice(0, 40);
  return `pipec-${safe(request.deployment)}-${safe(request.version)}-${request.index}-${randomBytes(3).toString("hex")}`;
}
