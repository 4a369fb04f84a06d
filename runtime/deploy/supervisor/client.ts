/**
 * Talking to a deployment's supervisor from a run or a terminal: start it when none runs (detached,
 * its output appended to deploy.log, then let go so the caller can exit), send one request over the
 * control socket, follow its log and event lines, and return its final answer.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunEventDraft } from "../../run/events.ts";
import { deploymentDir, processAlive } from "../history/index.ts";
import { deployLogPath } from "../loop/reporter.ts";
import { controlSocketPath, isSupervisorProcess, readSupervisorPid, supervisorPidPath } from "./paths.ts";
import { onMessages, send, type SupervisorReply, type SupervisorRequest } from "./protocol.ts";
import { SupervisorError } from "./errors.ts";

/** How long a new supervisor may take to answer on its socket. */
const START_TIMEOUT_MS = 15_000;

export type FinalReply = Extract<SupervisorReply, { type: "outcome" | "status" | "error" }>;

export interface RequestHandlers {
  readonly onLog?: (text: string) => void;
  readonly onEvent?: (event: RunEventDraft) => void;
  /** Sends `abort` on the connection when this aborts (a rollout's job signal). */
  readonly signal?: AbortSignal;
}

/** Whether a supervisor answers on the deployment's control socket now. */
export function supervisorAnswers(projectDir: string, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(controlSocketPath(projectDir, name));
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Sends one request; resolves with the supervisor's final answer (an `error` reply when the connection ends without one). */
export function requestSupervisor(projectDir: string, name: string, request: SupervisorRequest, handlers: RequestHandlers = {}): Promise<FinalReply> {
  return new Promise((resolve) => {
    const socket = net.connect(controlSocketPath(projectDir, name));
    let final: FinalReply | null = null;
    const onAbort = () => send(socket, { type: "abort", reason: handlers.signal?.reason === "timeout" ? "timeout" : "cancel" });
    socket.once("connect", () => {
      send(socket, request);
      if (handlers.signal?.aborted) onAbort();
      else handlers.signal?.addEventListener("abort", onAbort, { once: true });
    });
    onMessages(socket, (raw) => {
      const message = raw as SupervisorReply;
      if (message.type === "log") handlers.onLog?.(message.text);
      else if (message.type === "event") handlers.onEvent?.(message.event);
      else final = message;
    });
    socket.once("error", (error) => {
      final ??= { type: "error", code: "SUPERVISOR_UNREACHABLE", message: `the supervisor of deployment "${name}" does not answer: ${error.message}` };
    });
    socket.once("close", () => {
      handlers.signal?.removeEventListener("abort", onAbort);
      resolve(final ?? { type: "error", code: "SUPERVISOR_UNREACHABLE", message: `the supervisor of deployment "${name}" ended without an answer; see pipec deploy logs ${name}` });
    });
  });
}

/**
 * A supervisor that answers: the running one, else a new `pipec deploy serve NAME`. A pid file or a
 * socket left by a supervisor that is gone is removed first; a live supervisor that does not answer
 * is an error naming its pid.
 */
export async function ensureSupervisor(projectDir: string, name: string): Promise<void> {
  if (await supervisorAnswers(projectDir, name)) return;
  const pid = readSupervisorPid(projectDir, name);
  if (pid !== undefined && processAlive(pid) && isSupervisorProcess(pid, name)) {
    // Starting up, or hung: give it the start timeout.
    if (await waitForAnswer(projectDir, name, () => processAlive(pid))) return;
    throw new SupervisorError("SUPERVISOR_UNREACHABLE", `the supervisor of deployment "${name}" (pid ${pid}) does not answer on ${controlSocketPath(projectDir, name)}; stop it (kill ${pid}) and try again`);
  }
  // Left by a supervisor that is gone (kill -9, a reboot): its pid file and socket mean nothing now.
  rmSync(supervisorPidPath(projectDir, name), { force: true });
  rmSync(controlSocketPath(projectDir, name), { force: true });
  mkdirSync(deploymentDir(projectDir, name), { recursive: true });
  const log = deployLogPath(projectDir, name);
  const fd = openSync(log, "a");
  let exited = false;
  try {
    const child = spawn(process.execPath, [pipecBin(), "deploy", "serve", name], { cwd: projectDir, detached: true, stdio: ["ignore", fd, fd], env: process.env });
    child.once("exit", () => (exited = true));
    child.once("error", () => (exited = true));
    child.unref();
  } finally {
    closeSync(fd);
  }
  if (await waitForAnswer(projectDir, name, () => !exited)) return;
  const tail = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").slice(-3).join(" | ") : "";
  throw new SupervisorError("SUPERVISOR_FAILED", `the supervisor of deployment "${name}" did not start${tail === "" ? "" : `: ${tail}`}`);
}

async function waitForAnswer(projectDir: string, name: string, stillTrying: () => boolean): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && stillTrying()) {
    if (await supervisorAnswers(projectDir, name)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return supervisorAnswers(projectDir, name);
}

/** `bin/pipec.mjs` of this pipec: the package root is the nearest folder up with pipec's package.json (source or dist/). */
function pipecBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && /"name":\s*"pipec"/.test(readFileSync(manifest, "utf8"))) return join(dir, "bin", "pipec.mjs");
    const up = dirname(dir);
    if (up === dir) throw new SupervisorError("SUPERVISOR_FAILED", "pipec's own bin/pipec.mjs was not found above its code");
    dir = up;
  }
}
