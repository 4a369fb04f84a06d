import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:fs";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { HaproxyError, HaproxyMissingError } from "../errors.ts";
import { runtimeCommand } from "./runtime-api.ts";

export interface HaproxyProcess {
  readonly pid: number;
  /** SIGTERM (HAProxy's immediate stop), SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartHaproxyOptions {
  readonly binary: string;
  readonly configFile: string;
  readonly pidFile: string;
  readonly adminSocket: string;
  /** @default 10000 */
  readonly startTimeoutMs?: number;
}

const STDERR_TAIL = 4096;

/**
 * Starts `haproxy -db -f CONFIG -p PIDFILE` as a child (foreground, one process: the adapter never
 * reloads, so master-worker mode is not needed) and resolves once its admin socket answers.
 */
export async function startHaproxy(options: StartHaproxyOptions): Promise<HaproxyProcess> {
  await stopLeftover(options.pidFile, options.configFile);
  const binary = await resolveHaproxyBinary(options.binary);
  const child = spawn(binary, ["-db", "-f", options.configFile, "-p", options.pidFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error));
  });
  if (spawned !== undefined) {
    if ((spawned as NodeJS.ErrnoException).code === "ENOENT") throw new HaproxyMissingError(options.binary, spawned);
    throw new HaproxyError(`Could not start ${binary}: ${spawned.message}`, spawned);
  }
  const pid = child.pid as number;
  // In foreground mode (-db) haproxy writes no pid file itself; the next start needs it to stop a
  // haproxy left behind by a pipec that was killed hard.
  await writeFile(options.pidFile, `${pid}\n`);
  const stop = (graceMs = 5000): Promise<void> => stopChild(child, exited, graceMs);

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) {
      throw new HaproxyError(`haproxy exited at start (config ${options.configFile}):\n${stderr.trim()}`);
    }
    try {
      await runtimeCommand(options.adminSocket, "show info", 1000);
      return { pid, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop(1000);
        throw new HaproxyError(`haproxy did not answer on ${options.adminSocket} in time:\n${stderr.trim()}`, error);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * The path of `binary`: as given when it has a slash, else the first executable match on PATH,
 * then in /usr/sbin and /usr/local/sbin (where Debian puts haproxy, often off a user's PATH).
 * Unresolved names are returned as they are, for spawn to report ENOENT.
 */
export async function resolveHaproxyBinary(binary: string): Promise<string> {
  if (binary.includes("/")) return binary;
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return binary;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A haproxy left running by a crashed earlier router with the same state files: ours, so stop it. */
export async function stopLeftover(pidFile: string, configFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!cmdline.includes("haproxy") || !cmdline.includes(configFile)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")) === "") return;
  }
  process.kill(pid, "SIGKILL");
}
