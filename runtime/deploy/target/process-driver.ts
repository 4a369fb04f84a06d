/**
 * The process target: each instance is the target's command (argv, no shell) spawned on the host in
 * its own process group, with PORT set. Its output goes to a bounded ring for error messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Instance } from "../types.ts";
import { TargetExitedError, TargetSpawnError, TargetUnknownInstanceError } from "./errors.ts";
import { createOutputTail, type OutputTail } from "./output-tail.ts";
import { releasePort } from "./port-allocator.ts";
import { killGroup, trackGroup, untrackGroup } from "./process-group.ts";
import type { DriverOptions, InstanceStatus, ObservableTargetDriver, ProcessTarget, StartRequest } from "./types.ts";
import { waitForStart } from "./wait-for-start.ts";

export interface ProcessDriverOptions extends DriverOptions {
  /**
   * The environment every instance starts from, before the target's env, the request's env and PORT.
   * @default process.env (so that PATH finds the command)
   */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
}

interface Exit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

interface Running {
  readonly instance: Instance;
  readonly deployment: string;
  readonly child: ChildProcess;
  readonly pgid: number;
  readonly tail: OutputTail;
  readonly exited: Promise<Exit>;
  exit: Exit | null;
}

const DEFAULT_STARTUP_WINDOW_MS = 2_000;

export function createProcessTargetDriver(
  target: ProcessTarget,
  cwd: string,
  options: ProcessDriverOptions = {},
): ObservableTargetDriver {
  const running = new Map<string, Running>();
  /** Ids of instances already stopped, so that a second stop is not an error. */
  const stopped = new Set<string>();

  const stopRunning = async (entry: Running, graceMs: number) => {
    if (entry.exit === null) {
      killGroup(entry.pgid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, graceMs));
      });
      await Promise.race([entry.exited, graceOver]);
      clearTimeout(timer);
      if (entry.exit === null) killGroup(entry.pgid, "SIGKILL");
      await entry.exited;
    }
    // Whatever the command left behind in its group goes with it.
    killGroup(entry.pgid, "SIGKILL");
    untrackGroup(entry.pgid);
    running.delete(entry.instance.id);
    stopped.add(entry.instance.id);
    releasePort(entry.instance.port);
  };

  return {
    kind: "process",

    async start(request: StartRequest) {
      const ref = { deployment: request.deployment, version: request.version, index: request.index };
      const [command, ...args] = target.command;
      if (command === undefined || command === "") throw new TargetSpawnError(ref, target.command, "the command is empty");
      const env = { ...stringEnv(options.baseEnv ?? process.env), ...target.env, ...request.env, PORT: String(request.port) };
      const tail = createOutputTail({ maxLines: options.outputLines ?? 40 });

      let child: ChildProcess;
      try {
        child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      } catch (error) {
        throw new TargetSpawnError(ref, target.command, describeSpawnError(error, cwd), error);
      }
      child.stdout?.on("data", tail.sink());
      child.stderr?.on("data", tail.sink());
      // The process exists once spawn() returns a pid: before any await, pipec's exit hook tracks its group and
      // onSpawned puts it in status.json, so neither an exit nor a hard kill meanwhile leaks it (seen in CI).
      const pgid = child.pid;
      const id = `${request.deployment}/${request.version}/${request.index}@${pgid}`;
      if (pgid !== undefined) {
        trackGroup(pgid);
        request.onSpawned?.(id);
      }
      const spawned = await new Promise<{ ok: true } | { ok: false; error: unknown }>((resolve) => {
        child.once("spawn", () => resolve({ ok: true }));
        child.once("error", (error) => resolve({ ok: false, error }));
      });
      if (!spawned.ok || pgid === undefined) {
        if (pgid !== undefined) {
          killGroup(pgid, "SIGKILL");
          untrackGroup(pgid);
        }
        const error = spawned.ok ? undefined : spawned.error;
        throw new TargetSpawnError(ref, target.command, describeSpawnError(error, cwd), error);
      }

      const entry: Running = {
        instance: { id, host: "127.0.0.1", port: request.port, version: request.version },
        deployment: request.deployment,
        child,
        pgid,
        tail,
        exit: null,
        exited: new Promise<Exit>((resolve) => {
          // "close" comes after the pipes are drained, so the tail holds the last words.
          child.once("close", (code, signal) => {
            entry.exit = { exitCode: code, signal };
            resolve(entry.exit);
          });
        }),
      };
      running.set(entry.instance.id, entry);

      const outcome = await waitForStart({
        port: request.port,
        windowMs: options.startupWindowMs ?? DEFAULT_STARTUP_WINDOW_MS,
        isRunning: () => entry.exit === null,
        exited: entry.exited,
      });
      if (outcome === "exited") {
        const exit = await entry.exited;
        await stopRunning(entry, 0);
        stopped.delete(entry.instance.id);
        throw new TargetExitedError(ref, target.command, request.port, exit.exitCode, exit.signal, tail.lines());
      }
      return entry.instance;
    },

    async stop(instance, graceMs) {
      const entry = running.get(instance.id);
      if (entry === undefined) {
        if (stopped.has(instance.id)) return;
        throw new TargetUnknownInstanceError(instance.id);
      }
      await stopRunning(entry, graceMs);
    },

    async cleanup(deployment) {
      const mine = [...running.values()].filter((entry) => entry.deployment === deployment);
      await Promise.all(mine.map((entry) => stopRunning(entry, 0)));
      return mine.length;
    },

    async status(instance): Promise<InstanceStatus> {
      const entry = running.get(instance.id);
      if (entry === undefined) {
        if (stopped.has(instance.id)) return { running: false, exitCode: null, lastLines: [] };
        throw new TargetUnknownInstanceError(instance.id);
      }
      return { running: entry.exit === null, exitCode: entry.exit?.exitCode ?? null, lastLines: entry.tail.lines() };
    },
  };
}

function stringEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) result[name] = value;
  return result;
}

function describeSpawnError(error: unknown, cwd: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `no such command, or no directory ${cwd} (ENOENT); check that command[0] is on PATH or a path that exists`;
  if (code === "EACCES") return "permission denied (EACCES); is it executable?";
  return error instanceof Error ? error.message : String(error ?? "unknown error");
}
