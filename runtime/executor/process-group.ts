/**
 * One step as a host process: `sh -e -c <run>` in its own process group, so that a stop reaches
 * everything the script started, and with a marker in its environment, so that its end also reaches
 * what left the group (step-marker.ts). Output goes to the callbacks chunk by chunk as Buffers, never
 * decoded or collected, so huge or binary output costs no memory.
 */
import { spawn } from "node:child_process";
import { killMarkedProcesses, STEP_TOKEN_VARIABLE } from "./step-marker.ts";
import { exitCodeOfSignal } from "./step-messages.ts";

export interface ProcessGroupOptions {
  readonly script: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /** Aborting stops the group: SIGTERM, then SIGKILL after `stopGraceMs`. */
  readonly signal: AbortSignal;
  readonly stopGraceMs: number;
  /** Told the group id once the process runs, and again (with `false`) when the group is gone. */
  readonly track: (pgid: number, alive: boolean) => void;
  /** The step's marker (step-marker.ts): every process carrying it is killed when the step ends. */
  readonly token: string;
  /** Runs the shell through a wrapper (a private network namespace): the wrapper's argv, ending where `sh -e -c <run>` goes. */
  readonly wrap?: (script: string) => { readonly file: string; readonly args: readonly string[] };
}

export type ProcessEnd =
  | { readonly kind: "exited"; readonly exitCode: number }
  | { readonly kind: "spawn-error"; readonly error: NodeJS.ErrnoException };

/** How long the pipes may stay open after the shell exits and its group is killed (a daemonised grandchild). */
const PIPE_DRAIN_MS = 2_000;

export function runProcessGroup(options: ProcessGroupOptions): Promise<ProcessEnd> {
  return new Promise((resolve) => {
    const command = options.wrap?.(options.script) ?? { file: "sh", args: ["-e", "-c", options.script] };
    const child = spawn(command.file, command.args, {
      cwd: options.cwd,
      env: { ...options.env, [STEP_TOKEN_VARIABLE]: options.token },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pgid = child.pid;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let exited: { exitCode: number } | undefined;
    let settled = false;

    const finish = (end: ProcessEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      options.signal.removeEventListener("abort", onAbort);
      if (pgid !== undefined) options.track(pgid, false);
      resolve(end);
    };
    const onAbort = () => {
      if (pgid === undefined || exited) return;
      killGroup(pgid, "SIGTERM");
      graceTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), Math.max(0, options.stopGraceMs));
    };

    child.stdout.on("data", options.onStdout);
    child.stderr.on("data", options.onStderr);
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Spawning failed (no such cwd, no sh): no process, no exit event.
      if (exited === undefined) finish({ kind: "spawn-error", error });
    });
    child.once("exit", (code, signal) => {
      exited = { exitCode: code ?? (signal ? exitCodeOfSignal(signal) : 1) };
      // As in a container, the step ends with its shell: whatever it left running goes too, in its group or not.
      if (pgid !== undefined) killGroup(pgid, "SIGKILL");
      killMarkedProcesses(options.token);
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_DRAIN_MS);
    });
    child.once("close", () => {
      if (exited) finish({ kind: "exited", exitCode: exited.exitCode });
    });

    if (pgid !== undefined) options.track(pgid, true);
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.signal.aborted) onAbort();
  });
}

/** Signals a process group; false when it no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
