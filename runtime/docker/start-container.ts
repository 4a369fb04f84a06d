/**
 * Containers that keep running while the caller works (a job's services): started detached, probed
 * with `exec`, stopped and removed through a handle. See `DockerEngine.startContainer`.
 */
import { Writable } from "node:stream";
import type Docker from "dockerode";
import { ContainerError, type ContainerPhase } from "./errors.ts";
import { createOptions, envList, pipeOutput, stopContainer, type Classify } from "./run-container.ts";
import type { AttachIo, AttachedContainer, ContainerSpec, ExecResult, StartedContainer } from "./types.ts";

/** How much of an exec's output is kept for the caller's messages. */
const EXEC_OUTPUT_TAIL_BYTES = 4096;

export async function startContainer(docker: Docker, classify: Classify, spec: ContainerSpec): Promise<StartedContainer> {
  const fail = (phase: ContainerPhase, id: string | null) => (error: unknown) =>
    classify(error, () => new ContainerError(phase, spec.image, id, error));
  let container: Docker.Container;
  try {
    container = await docker.createContainer({ ...createOptions(spec), AttachStdout: false, AttachStderr: false });
  } catch (error) {
    throw fail("create", null)(error);
  }
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true, v: true }).catch(() => {});
    throw fail("start", container.id)(error);
  }
  return startedContainer(docker, container, spec.image, fail);
}

export async function startAttachedContainer(docker: Docker, classify: Classify, spec: ContainerSpec, io: AttachIo): Promise<AttachedContainer> {
  const fail = (phase: ContainerPhase, id: string | null) => (error: unknown) =>
    classify(error, () => new ContainerError(phase, spec.image, id, error));
  const options = createOptions(spec);
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      ...options,
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: false,
      // The output is the caller's alone: nothing of it (a step's secrets) is kept on the engine's disk.
      HostConfig: { ...options.HostConfig, LogConfig: { Type: "none", Config: {} } },
    });
  } catch (error) {
    throw fail("create", null)(error);
  }
  let stream: NodeJS.ReadWriteStream;
  try {
    stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
  } catch (error) {
    await container.remove({ force: true, v: true }).catch(() => {});
    throw fail("attach", container.id)(error);
  }
  // A write after the container went away fails on the socket; `ended` tells the caller instead.
  stream.on("error", () => {});
  const output = pipeOutput(docker, stream, io);
  try {
    await container.start();
  } catch (error) {
    destroyStream(stream);
    await container.remove({ force: true, v: true }).catch(() => {});
    throw fail("start", container.id)(error);
  }
  const started = startedContainer(docker, container, spec.image, fail);
  return {
    ...started,
    write(text) {
      stream.write(text);
    },
    ended: output.done,
    async remove() {
      try {
        await started.remove();
      } finally {
        destroyStream(stream);
      }
    },
  };
}

function destroyStream(stream: NodeJS.ReadableStream | NodeJS.WritableStream): void {
  (stream as { destroy?: () => void }).destroy?.();
}

function startedContainer(
  docker: Docker,
  container: Docker.Container,
  image: string,
  fail: (phase: ContainerPhase, id: string | null) => (error: unknown) => Error,
): StartedContainer {
  const id = container.id;
  const inspect = async () => {
    try {
      return await container.inspect();
    } catch (error) {
      throw fail("inspect", id)(error);
    }
  };
  return {
    id,

    async exec(cmd, options = {}) {
      options.signal?.throwIfAborted();
      try {
        const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
        const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream;
        const tail = new TailBuffer(EXEC_OUTPUT_TAIL_BYTES);
        docker.modem.demuxStream(stream, tail.writable(), tail.writable());
        await untilEnded(stream, options.signal);
        return { exitCode: await exitCodeOf(exec), output: tail.text() } satisfies ExecResult;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw fail("exec", id)(error);
      }
    },

    async execStream(cmd, options) {
      try {
        const exec = await container.exec({
          Cmd: [...cmd],
          Env: envList(options.env, image),
          ...(options.workingDir === "" ? {} : { WorkingDir: options.workingDir }),
          ...(options.user === "" ? {} : { User: options.user }),
          AttachStdout: true,
          AttachStderr: true,
          AttachStdin: false,
          Tty: false,
        });
        const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream;
        const output = pipeOutput(docker, stream, options);
        await output.done;
        output.throwIfCallbackFailed();
        return await exitCodeOf(exec);
      } catch (error) {
        throw fail("exec", id)(error);
      }
    },

    async state() {
      const { State: state, RestartCount: restartCount } = await inspect();
      return { running: state.Running, exitCode: state.ExitCode, oomKilled: state.OOMKilled, restarting: state.Restarting, restartCount: restartCount ?? 0 };
    },

    async logs(lines) {
      try {
        const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
        return demuxBuffer(raw);
      } catch (error) {
        throw fail("logs", id)(error);
      }
    },

    async stop(graceMs) {
      const exited = container.wait();
      exited.catch(() => {});
      try {
        await stopContainer(container, exited, graceMs);
        await exited;
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404) return;
        throw fail("stop", id)(error);
      }
    },

    async remove() {
      try {
        await container.remove({ force: true, v: true });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404 || status === 409) return; // gone, or already being removed
        throw fail("remove", id)(error);
      }
    },
  };
}

/** The exit code of a finished exec; the engine may take a moment to record it after the stream ends. */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && typeof info.ExitCode === "number") return info.ExitCode;
    if (attempt >= 50) throw new Error("the exec did not report an exit code");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function untilEnded(stream: NodeJS.ReadableStream, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(signal?.reason);
    };
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Keeps only the last `limit` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, next) => {
        this.chunks.push(chunk);
        this.size += chunk.length;
        while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) this.size -= this.chunks.shift()!.length;
        next();
      },
    });
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString("utf8");
  }
}

/** Docker's multiplexed log format (8-byte frame headers) without a TTY, as one text. */
function demuxBuffer(raw: Buffer | string): string {
  if (typeof raw === "string") return raw;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
