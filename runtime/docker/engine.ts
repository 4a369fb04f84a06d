import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type Docker from "dockerode";
import { DockerError, EngineUnavailableError, ImagePullError, describeCause } from "./errors.ts";
import { runContainer, type Classify } from "./run-container.ts";
import { startAttachedContainer, startContainer } from "./start-container.ts";
import type { ConnectOptions, DockerEngine } from "./types.ts";

const DEFAULT_SOCKET = "/var/run/docker.sock";
const DEFAULT_PING_TIMEOUT_MS = 5_000;

/** Socket and network failures that mean "no engine there", as opposed to an engine saying no. */
const CONNECTION_ERROR_CODES = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EACCES",
  "EPERM",
  "EPIPE",
  "ENOTSOCK",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Connects to a Docker engine: `options.socketPath`, else `$DOCKER_HOST`, else /var/run/docker.sock.
 * Nothing is sent until a method is called; call `ping()` to find out whether the engine is there.
 */
export function connectDocker(options: ConnectOptions = {}): DockerEngine {
  const dockerHost = process.env.DOCKER_HOST;
  const endpoint = options.socketPath ?? (dockerHost ? describeDockerHost(dockerHost) : DEFAULT_SOCKET);
  let docker: Docker;
  // Null: dockerode reads DOCKER_HOST itself (it understands unix://, tcp://, ssh:// and DOCKER_TLS_VERIFY).
  // A socket given overrides whatever DOCKER_HOST says (dockerode would prefer its tcp host to our socket).
  const dockerOptions: Docker.DockerOptions | null =
    options.socketPath !== undefined
      ? { socketPath: options.socketPath, host: undefined, port: undefined, protocol: "http" }
      : dockerHost
        ? null
        : { socketPath: DEFAULT_SOCKET };
  try {
    // Loaded on first use: dockerode and its dependencies take longer to load than a cached run takes.
    const Dockerode = require("dockerode") as typeof Docker;
    docker = dockerOptions === null ? new Dockerode() : new Dockerode(dockerOptions);
  } catch (error) {
    throw new EngineUnavailableError(endpoint, error);
  }

  const classify: Classify = (error, fallback) => {
    if (error instanceof DockerError) return error;
    if (isConnectionError(error)) return new EngineUnavailableError(endpoint, error);
    return fallback();
  };
  const requestFailed = (what: string) => (error: unknown) =>
    classify(error, () => new DockerError(`${what} failed: ${describeCause(error)}`, { cause: error }));

  return {
    endpoint,

    async ping() {
      const timeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          docker.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        // Whatever stops a ping (no socket, an error status, silence) means no usable engine.
        throw new EngineUnavailableError(endpoint, error);
      } finally {
        clearTimeout(timer);
      }
    },

    async imageId(ref) {
      try {
        const info = await docker.getImage(ref).inspect();
        return info.Id;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw requestFailed(`Inspecting image "${ref}"`)(error);
      }
    },

    async pullImage(ref, onProgress) {
      let stream: NodeJS.ReadableStream;
      try {
        stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
      } catch (error) {
        throw classify(error, () => new ImagePullError(ref, error));
      }
      try {
        await followPull(stream, onProgress);
      } catch (error) {
        throw classify(error, () => new ImagePullError(ref, error));
      }
    },

    runContainer(spec, io) {
      return runContainer(docker, classify, spec, io);
    },

    startContainer(spec) {
      return startContainer(docker, classify, spec);
    },

    startAttached(spec, io) {
      return startAttachedContainer(docker, classify, spec, io);
    },

    async removeByLabel(labels) {
      const filters = labelFilters(labels);
      if (filters.length === 0) {
        // An empty filter would match every container on the engine.
        throw new RangeError("removeByLabel needs at least one label");
      }
      let found: Docker.ContainerInfo[];
      try {
        found = await docker.listContainers({ all: true, filters: { label: filters } });
      } catch (error) {
        throw requestFailed("Listing containers")(error);
      }
      let removed = 0;
      for (const info of found) {
        try {
          await docker.getContainer(info.Id).remove({ force: true, v: true });
          removed++;
        } catch (error) {
          const status = statusOf(error);
          if (status === 404 || status === 409) continue; // gone already, or being removed
          throw requestFailed(`Removing container ${info.Id.slice(0, 12)}`)(error);
        }
      }
      return removed;
    },

    removeByLabelSync(labels, timeoutMs = 15_000) {
      const filters = labelFilters(labels);
      if (filters.length === 0) throw new RangeError("removeByLabel needs at least one label");
      const request = JSON.stringify({ dockerode: require.resolve("dockerode"), options: dockerOptions, filters });
      spawnSync(process.execPath, ["-e", REMOVE_BY_LABEL_SCRIPT, request], { stdio: "ignore", timeout: timeoutMs, env: process.env });
    },
  };
}

const require = createRequire(import.meta.url);

/** removeByLabelSync's child: the same dockerode, the same options, force-removes what the filters match. */
const REMOVE_BY_LABEL_SCRIPT = `
const { dockerode, options, filters } = JSON.parse(process.argv[1]);
const Docker = require(dockerode);
const docker = options === null ? new Docker() : new Docker(options);
docker.listContainers({ all: true, filters: { label: filters } })
  .then((found) => Promise.all(found.map((info) => docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {}))))
  .catch(() => { process.exitCode = 1; });
`;

function labelFilters(labels: Readonly<Record<string, string | null>>): string[] {
  return Object.entries(labels).map(([key, value]) => (value === null ? key : `${key}=${value}`));
}

/**
 * Reads the pull's JSON lines as they come, reports each as text, and fails on an `error` line.
 * Only the current partial line is kept in memory.
 */
function followPull(stream: NodeJS.ReadableStream, onProgress?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = "";
    let failure: unknown;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (pending.trim() !== "") handleLine(pending);
      const problem = error ?? failure;
      if (problem === undefined) resolve();
      else reject(problem);
    };
    const handleLine = (line: string) => {
      let event: PullEvent;
      try {
        event = JSON.parse(line) as PullEvent;
      } catch {
        onProgress?.(line);
        return;
      }
      if (event.error !== undefined || event.errorDetail?.message !== undefined) {
        failure ??= new Error(event.errorDetail?.message ?? event.error);
        return;
      }
      const text = [event.id ? `${event.id}:` : "", event.status ?? "", event.progress ?? ""]
        .filter((part) => part !== "")
        .join(" ");
      if (text !== "") onProgress?.(text);
    };
    stream.on("data", (data: Buffer | string) => {
      pending += data.toString();
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== "") handleLine(line);
      }
    });
    stream.once("error", (error: unknown) => finish(error));
    stream.once("end", () => finish());
    stream.once("close", () => finish());
  });
}

interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function describeDockerHost(value: string): string {
  return value.startsWith("unix://") ? value.slice("unix://".length) || DEFAULT_SOCKET : value;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function isConnectionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return syscall === "connect" || (typeof code === "string" && CONNECTION_ERROR_CODES.has(code));
}
