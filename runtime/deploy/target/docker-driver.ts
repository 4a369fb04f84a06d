/**
 * The docker target: each instance is a detached container on the host network (the engine runs
 * with --bridge=none), told its port through PORT, labelled with its deployment and version so that
 * `cleanup` finds leftovers after a crash. Only the Docker adapter (`runtime/docker`) talks to the engine.
 *
 * Restart policy `on-failure:5`: an instance that crashes is started again by the engine at once (a
 * kept deployment outlives its run, and a crash should not need pipec to notice). `status` reports
 * the engine's restart count, so the deploy loop takes a restarted instance out of the router until
 * its health check passes again. Not `unless-stopped`/`always`: after a reboot those would bring
 * containers back with no router in front of them; `deploy up` or the next run removes whatever is
 * left by label anyway, and a crash loop ends after five restarts instead of going on forever.
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
/** How often the engine restarts an instance that exits with an error before it gives up. */
export const RESTART_MAX_RETRIES = 5;

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
          // (a shell wrapper) still stops within the grace.
          init: true,
          restartOnFailure: { maxRetries: RESTART_MAX_RETRIES },
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

      // A crash within the startup window is a failed start, even though the engine restarts it.
      const isRunning = async () => {
        try {
          const state = await container.state();
          return state.running && !state.restarting && state.restartCount === 0;
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
      // Waiting for its restart counts as running (the restart count tells it crashed); given up is exited.
      const alive = state.running || state.restarting;
      return { running: alive, exitCode: alive ? null : state.exitCode, lastLines: lastLines(text, outputLines), restarts: state.restartCount };
    },
  };
}

/** `pipec-<deployment>-<version>-<index>-<random>`: readable in `docker ps`, unique on the engine. */
function containerName(request: StartRequest): string {
  const safe = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, "-").slice(0, 40);
  return `pipec-${safe(request.deployment)}-${safe(request.version)}-${request.index}-${randomBytes(3).toString("hex")}`;
}
