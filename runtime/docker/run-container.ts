import { Writable } from "node:stream";
import type Docker from "dockerode";
import { ContainerError, describeCause, type ContainerPhase } from "./errors.ts";
import type { ContainerSpec, RunIo, RunResult } from "./types.ts";

/** Turns any failure into the adapter's errors (connection problems become EngineUnavailableError). */
export type Classify = (error: unknown, fallback: () => Error) => Error;

/** After the container exits, how long its output stream may take to drain before we stop waiting. */
const OUTPUT_DRAIN_MS = 5_000;

/** Creates, runs and always removes one container. See `DockerEngine.runContainer`. */
export async function runContainer(
  docker: Docker,
  classify: Classify,
  spec: ContainerSpec,
  io: RunIo,
): Promise<RunResult> {
  io.signal?.throwIfAborted();
  const fail = (phase: ContainerPhase, id: string | null) => (error: unknown) =>
    classify(error, () => new ContainerError(phase, spec.image, id, error));

  const options = createOptions(spec);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(options);
  } catch (error) {
    throw fail("create", null)(error);
  }
  try {
    return await attachStartWait(docker, container, spec, io, fail);
  } finally {
    await removeContainer(container, spec, io);
  }
}

/** The engine's create request for a spec: never privileged, resources as given. */
export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const env = envList(spec.env, spec.image);
  return {
    ...(spec.name === undefined ? {} : { name: spec.name }),
    Image: spec.image,
    ...(spec.cmd.length > 0 ? { Cmd: [...spec.cmd] } : {}),
    // The engine reads [""] as "no entrypoint" (an empty list would mean the image's).
    ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint.length === 0 ? [""] : [...spec.entrypoint] }),
    Env: env,
    ...(spec.workingDir === "" ? {} : { WorkingDir: spec.workingDir }),
    Labels: { ...spec.labels },
    ...(spec.user === undefined || spec.user === "" ? {} : { User: spec.user }),
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Tty: false,
    HostConfig: {
      NetworkMode: spec.network,
      // Mounts, not Binds: a missing host path is an error instead of a new root-owned directory,
      // and paths containing ":" need no escaping.
      Mounts: spec.binds.map((bind) => ({
        Type: "bind" as const,
        Source: bind.hostPath,
        Target: bind.containerPath,
        ReadOnly: bind.readOnly ?? false,
      })),
      ...(spec.cpus === null ? {} : { NanoCpus: Math.round(spec.cpus * 1e9) }),
      ...(spec.memoryBytes === null ? {} : { Memory: spec.memoryBytes }),
      ...(spec.pids === null ? {} : { PidsLimit: spec.pids }),
      Privileged: false,
      // No setuid binary (sudo, su, ping) can gain privileges inside a pipec container.
      SecurityOpt: ["no-new-privileges"],
      ...(spec.init === true ? { Init: true } : {}),
      ...(spec.restartOnFailure === undefined ? {} : { RestartPolicy: { Name: "on-failure", MaximumRetryCount: spec.restartOnFailure.maxRetries } }),
      // We remove the container ourselves, after reading its exit code and OOM state.
      AutoRemove: false,
    },
  };
}

/** `NAME=value` strings for the engine; a name it would misread is refused. */
export function envList(env: Readonly<Record<string, string>>, image: string): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (name === "" || name.includes("=") || name.includes("\0")) {
      throw new ContainerError("create", image, null, `invalid environment variable name ${JSON.stringify(name)}`);
    }
    return `${name}=${value}`;
  });
}

async function attachStartWait(
  docker: Docker,
  container: Docker.Container,
  spec: ContainerSpec,
  io: RunIo,
  fail: (phase: ContainerPhase, id: string | null) => (error: unknown) => Error,
): Promise<RunResult> {
  // Attach before start so that no early output is lost.
  let stream: NodeJS.ReadableStream;
  try {
    stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: false });
  } catch (error) {
    throw fail("attach", container.id)(error);
  }
  const output = pipeOutput(docker, stream, io);
  try {
    io.signal?.throwIfAborted();
    try {
      await container.start();
    } catch (error) {
      const result = await exitOfFailedStart(container, error);
      if (result === null) throw fail("start", container.id)(error);
      io.onStderr(Buffer.from(`pipec: ${result.reason}\n`));
      return { exitCode: result.exitCode, oomKilled: false };
    }

    const exited = container.wait();
    // Keep a rejection of `exited` from being reported as unhandled while a stop is racing it.
    exited.catch(() => {});
    let stopping: Promise<void> | undefined;
    const onAbort = () => {
      stopping ??= stopContainer(container, exited, spec.stopGraceMs);
    };
    io.signal?.addEventListener("abort", onAbort, { once: true });
    if (io.signal?.aborted) onAbort(); // aborted while the start request was in flight
    try {
      try {
        await exited;
      } catch (error) {
        throw fail("wait", container.id)(error);
      }
      await stopping?.catch(() => {});
    } finally {
      io.signal?.removeEventListener("abort", onAbort);
    }

    await settle(output.done, OUTPUT_DRAIN_MS);
    output.throwIfCallbackFailed();

    let state: Docker.ContainerInspectInfo["State"];
    try {
      state = (await container.inspect()).State;
    } catch (error) {
      throw fail("inspect", container.id)(error);
    }
    return { exitCode: state.ExitCode, oomKilled: state.OOMKilled };
  } finally {
    destroy(stream);
  }
}

/** Demultiplexes the attach stream into the callbacks, chunk by chunk (nothing is accumulated). */
export function pipeOutput(docker: Docker, stream: NodeJS.ReadableStream, io: Pick<RunIo, "onStdout" | "onStderr">) {
  let callbackError: unknown;
  let failed = false;
  const sink = (callback: (chunk: Buffer) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, next) {
        if (!failed) {
          try {
            callback(chunk);
          } catch (error) {
            failed = true;
            callbackError = error;
          }
        }
        next();
      },
    });
  docker.modem.demuxStream(stream, sink(io.onStdout.bind(io)), sink(io.onStderr.bind(io)));
  const done = new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  return {
    done,
    throwIfCallbackFailed() {
      if (failed) throw callbackError;
    },
  };
}

/**
 * When the engine could not execute the command, it records 127 (not found) or 126 (not
 * executable) as the exit code, as a shell would; that is the job's failure, not the engine's.
 */
async function exitOfFailedStart(
  container: Docker.Container,
  startError: unknown,
): Promise<{ exitCode: number; reason: string } | null> {
  let exitCode: number;
  try {
    exitCode = (await container.inspect()).State.ExitCode;
  } catch {
    return null;
  }
  if (exitCode !== 126 && exitCode !== 127) return null;
  const message = describeCause(startError);
  const exec = /exec: ("(?:[^"\\]|\\.)*"): (.*?)(?:: unknown)?$/.exec(message);
  const reason = exec ? `cannot run ${exec[1]}: ${exec[2]}` : message;
  return { exitCode, reason };
}

/** SIGTERM, then SIGKILL if the container has not exited after `graceMs`. */
export async function stopContainer(container: Docker.Container, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (!(await signalContainer(container, "SIGTERM"))) return;
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace-over">((resolve) => {
    timer = setTimeout(() => resolve("grace-over"), Math.max(0, graceMs));
  });
  try {
    const first = await Promise.race([exited.then(() => "exited" as const, () => "exited" as const), graceOver]);
    if (first === "grace-over") await signalContainer(container, "SIGKILL");
  } finally {
    clearTimeout(timer);
  }
}

/** False when the container is no longer running (nothing to signal). */
async function signalContainer(container: Docker.Container, signal: "SIGTERM" | "SIGKILL"): Promise<boolean> {
  try {
    await container.kill({ signal });
    return true;
  } catch (error) {
    // 409: not running, 404: gone. Anything else is reported by the wait that follows.
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404 || status === 409) return false;
    return signal === "SIGTERM";
  }
}

export async function removeContainer(container: Docker.Container, spec: ContainerSpec, io: Pick<RunIo, "onWarning">): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      // 404: already gone. 409: "removal already in progress".
      if (status === 404 || status === 409) return;
      if (attempt >= 3) {
        const problem = new ContainerError("remove", spec.image, container.id, error);
        io.onWarning?.(`${problem.message}; it keeps its labels, so removeByLabel can clean it up later`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function settle(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

function destroy(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as NodeJS.ReadableStream & { destroy?: () => void };
  destroyable.destroy?.();
}
