/** Plain data in and out of the Docker adapter: no dockerode type crosses this line. */

/** A host directory mounted into the container. */
export interface BindMount {
  /** Absolute path on the host; it must exist (it is not created). */
  readonly hostPath: string;
  /** Absolute path in the container. */
  readonly containerPath: string;
  /** @default false */
  readonly readOnly?: boolean;
}

export type NetworkMode = "none" | "host" | `container:${string}`;

export interface ContainerSpec {
  /** A local image reference; `runContainer` does not pull (see `imageId` / `pullImage`). */
  readonly image: string;
  /** The full command, run without a shell: `["sh", "-c", script]` for a script. Empty: the image's CMD. */
  readonly cmd: readonly string[];
  /** Replaces the image's ENTRYPOINT; `[]` runs `cmd` with none. Default: the image's (it gets `cmd` as its arguments). */
  readonly entrypoint?: readonly string[];
  /** Names must be non-empty and contain no "=". */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute path in the container. Empty: the image's working directory. */
  readonly workingDir: string;
  readonly binds: readonly BindMount[];
  /** See `labels.ts`; put the run id on every container so that `removeByLabel` finds leftovers. */
  readonly labels: Readonly<Record<string, string>>;
  /** The engine runs with `--bridge=none`: "none" (loopback only) or "host". */
  readonly network: NetworkMode;
  /** CPU limit in cores (0.5 = half a core); null for no limit. */
  readonly cpus: number | null;
  /** Memory limit in bytes; null for no limit. */
  readonly memoryBytes: number | null;
  /** Maximum number of processes; null for no limit. */
  readonly pids: number | null;
  /** On abort: time between SIGTERM and SIGKILL, in milliseconds. */
  readonly stopGraceMs: number;
  /** Container name; must be unique on the engine. Default: a name Docker picks. */
  readonly name?: string;
  /**
   * Run a tiny init (docker-init) as PID 1 that forwards signals and reaps zombies. Without it the
   * command is PID 1, which ignores SIGTERM unless it handles it, so a stop always waits the full
   * grace before SIGKILL. @default false
   */
  readonly init?: boolean;
  /**
   * The engine restarts the container when it exits with a non-zero code, at most `maxRetries` times
   * (Docker's `on-failure:N`, with its doubling delay from 100 ms). @default never (restart policy "no")
   */
  readonly restartOnFailure?: { readonly maxRetries: number };
  /** `uid:gid` (or a name) the command runs as. Default: the image's USER. */
  readonly user?: string;
}

export interface RunIo {
  /** Called with each chunk of the container's stdout as it arrives (never the whole output). */
  onStdout(chunk: Buffer): void;
  /** Called with each chunk of the container's stderr as it arrives. */
  onStderr(chunk: Buffer): void;
  /**
   * Aborting stops the container: SIGTERM, then SIGKILL after `stopGraceMs`, and `runContainer`
   * resolves with the exit code it ended with. Aborted before the container started, nothing runs
   * and `runContainer` rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** Problems that do not change the result, such as a container that could not be removed. */
  onWarning?(message: string): void;
}

export interface RunResult {
  /**
   * The container's exit code: 137 after SIGKILL, 143 after SIGTERM (for a process that does not
   * handle it), 127 when the command was not found, 126 when it could not be executed.
   */
  readonly exitCode: number;
  /** The kernel killed a process of the container for exceeding its memory limit. */
  readonly oomKilled: boolean;
}

export interface DockerEngine {
  /** Where this engine is reached: a socket path or the DOCKER_HOST value. */
  readonly endpoint: string;
  /** Resolves when the engine answers; throws EngineUnavailableError otherwise. */
  ping(): Promise<void>;
  /** The local image's id (`sha256:...`), or null when the image is not present. */
  imageId(ref: string): Promise<string | null>;
  /** Pulls `ref` (tag `latest` when none is given); throws ImagePullError naming the image and the cause. */
  pullImage(ref: string, onProgress?: (line: string) => void): Promise<void>;
  /**
   * Creates the container, streams its output, starts it and waits for it to exit; always removes
   * it at the end, whatever happened. Throws ContainerError when a step fails (a command that does
   * not exist is not a failure of the engine: it resolves with exit code 127, the reason on stderr).
   */
  runContainer(spec: ContainerSpec, io: RunIo): Promise<RunResult>;
  /**
   * Force-removes every container (running or not) that carries all of these labels; resolves
   * with how many were removed. At least one label is required; a null value matches any value
   * (the label is present).
   */
  removeByLabel(labels: Readonly<Record<string, string | null>>): Promise<number>;
  /**
   * `removeByLabel`, blocking until done (a child process does the requests, for at most
   * `timeoutMs`): for a process on its way out, whose event loop will not turn again. Never throws.
   */
  removeByLabelSync(labels: Readonly<Record<string, string | null>>, timeoutMs?: number): void;
  /**
   * Creates and starts a container that keeps running (a service), without attaching to its output;
   * the caller stops and removes it through the handle. Throws ContainerError when it cannot start
   * (the container is removed first).
   */
  startContainer(spec: ContainerSpec): Promise<StartedContainer>;
  /**
   * Creates and starts a container attached to its stdin, stdout and stderr (attached before it
   * starts, so no output is lost): what the caller writes goes to the container's stdin, its output
   * goes to the callbacks chunk by chunk, and only there (the engine keeps no log of it). Throws
   * ContainerError when it cannot start (the container is removed first).
   */
  startAttached(spec: ContainerSpec, io: AttachIo): Promise<AttachedContainer>;
}

export interface AttachIo {
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
}

/** A running container started by `startAttached`. */
export interface AttachedContainer extends StartedContainer {
  /** Writes to the container's stdin (it stays open until the container is removed). */
  write(text: string): void;
  /** Resolves when the attachment ends: the container's command exited, or it was removed. */
  readonly ended: Promise<void>;
}

/** A running container started by `startContainer`. */
export interface StartedContainer {
  readonly id: string;
  /**
   * Runs a command inside the container (`docker exec`) and resolves with its exit code and the end
   * of its output. Aborting stops waiting (rejects with the signal's reason); the command itself is
   * left to end with the container.
   */
  exec(cmd: readonly string[], options?: { readonly signal?: AbortSignal }): Promise<ExecResult>;
  /**
   * Runs a command inside the container with its own environment (added to the image's), working
   * directory and user, streams its output to the callbacks chunk by chunk, and resolves with its
   * exit code once it has ended and its output is drained. There is no stopping an exec from
   * outside: the caller signals its processes with another exec.
   */
  execStream(cmd: readonly string[], options: ExecStreamOptions): Promise<number>;
  /** Whether it still runs, and its exit code once it has stopped. */
  /** `restarting`: exited, waiting for its restart policy's next start; `restartCount`: how often the engine restarted it. */
  state(): Promise<{ readonly running: boolean; readonly exitCode: number; readonly oomKilled: boolean; readonly restarting: boolean; readonly restartCount: number }>;
  /** The last `lines` lines of its stdout and stderr, interleaved, as text. */
  logs(lines: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has stopped. Nothing happens if it is not running. */
  stop(graceMs: number): Promise<void>;
  /** Force-removes it (and its anonymous volumes); a container already gone is not an error. */
  remove(): Promise<void>;
}

export interface ExecStreamOptions {
  /** Names must be non-empty and contain no "=". */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute path in the container. Empty: the container's working directory. */
  readonly workingDir: string;
  /** Empty: the container's user. */
  readonly user: string;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
}

export interface ExecResult {
  readonly exitCode: number;
  /** The last few KiB of the command's stdout and stderr, interleaved, as text. */
  readonly output: string;
}

export interface ConnectOptions {
  /** Unix socket of the engine. @default $DOCKER_HOST, else "/var/run/docker.sock" */
  readonly socketPath?: string;
  /** How long `ping` waits for an answer. @default 5000 */
  readonly pingTimeoutMs?: number;
}
