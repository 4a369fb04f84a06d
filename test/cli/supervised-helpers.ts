/** Helpers for tests of kept deployments: their supervisors are stopped by pid, and an invariant monitor reads status.json. */
import { readFileSync } from "node:fs";
import { readStatus } from "../../runtime/deploy/history/index.ts";
import { readSupervisorPid } from "../../runtime/deploy/supervisor/index.ts";

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
