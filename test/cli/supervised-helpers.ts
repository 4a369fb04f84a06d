/**
 * Helpers for tests of kept deployments: their supervisors are stopped by pid, an invariant monitor
 * reads status.json, and a project is removed only after its deployments are stopped, with nothing of it left running.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { expect } from "vitest";
import { listDeployments, readStatus } from "../../runtime/deploy/history/index.ts";
import { readSupervisorPid } from "../../runtime/deploy/supervisor/index.ts";
import { LABEL_PROJECT, projectLabel } from "../../runtime/docker/index.ts";
import { runPipecAsync } from "./run-pipec.ts";

/** Whether the process runs (a zombie waiting for init to reap it does not). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Stops a deployment's supervisor by its pid (SIGTERM: drained; SIGKILL after 20 s), as afterAll does after a failure. */
export async function stopSupervisor(projectDir: string, name: string): Promise<void> {
  const pids = [readSupervisorPid(projectDir, name), readStatus(projectDir, name)?.pid].filter((pid): pid is number => pid !== undefined && pid !== process.pid && alive(pid));
  for (const pid of new Set(pids)) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      continue;
    }
    const deadline = Date.now() + 20_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}

/**
 * Every 100 ms, from the status the supervisor writes: no instance is in the router unless ready,
 * and a version with traffic has a ready instance in the router (outside the start and a rollback).
 */
export function startStatusMonitor(projectDir: string, name: string): { stop(): string[] } {
  const violations: string[] = [];
  const timer = setInterval(() => {
    let status;
    try {
      status = readStatus(projectDir, name);
    } catch {
      return; // being replaced
    }
    if (status === undefined || !status.serving) return;
    const note = (text: string) => violations.push(`${status.updatedAt} ${text} (phase ${status.phase}: ${status.message})`);
    // A stopping instance still runs while the router takes it out: the pool stops it only once the
    // router has applied the change (and the status, written every 200 ms, may show that moment).
    for (const i of status.instances) if (i.routed && i.health !== "ready" && i.health !== "stopping") note(`${i.id} of revision ${i.revision} is in the router while ${i.health}`);
    if (status.phase === "Starting" || status.phase === "Degraded") return;
    for (const [version, weight] of Object.entries(status.weights)) {
      if (weight > 0 && !status.instances.some((i) => `r${i.revision}` === version && i.routed)) note(`${version} has ${weight}% of the traffic and no ready instance in the router`);
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return violations;
    },
  };
}

/** `pid argv` of every process that runs in the project folder or names it in its argv (supervisors, host instances, what they left). */
export function processesOf(projectDir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, "");
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      if (!alive(pid)) continue;
      if (cwd === projectDir || cwd.startsWith(`${projectDir}/`) || argv.includes(projectDir)) found.push(`${pid} ${argv}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** The containers of the project's deployments (by the label pipec gives them), running or not. */
export function containersOf(projectDir: string): string[] {
  const out = spawnSync("docker", ["ps", "-aq", "--filter", `label=${LABEL_PROJECT}=${projectLabel(projectDir)}`], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.split("\n").filter(Boolean) : [];
}

/**
 * A test project's after-all: every deployment in it is stopped (`pipec deploy stop`, then its
 * supervisor by pid), then the folder is removed; a process or container of the project still there
 * after the stop is a leak and fails the test (it is killed first, so a failure leaves nothing either).
 */
export async function removeProject(projectDir: string, options: { readonly docker?: boolean } = {}): Promise<void> {
  for (const name of existsSync(projectDir) ? listDeployments(projectDir) : []) {
    await runPipecAsync(["deploy", "stop", name], { cwd: projectDir, timeoutMs: 90_000 });
    await stopSupervisor(projectDir, name);
  }
  const processes = processesOf(projectDir);
  for (const line of processes) {
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {
      // gone in between
    }
  }
  const containers = options.docker ? containersOf(projectDir) : [];
  if (containers.length > 0) spawnSync("docker", ["rm", "-f", ...containers]);
  rmSync(projectDir, { recursive: true, force: true });
  expect(processes, `processes of ${projectDir} left running after pipec deploy stop`).toEqual([]);
  expect(containers, `containers of ${projectDir} left after pipec deploy stop`).toEqual([]);
}
