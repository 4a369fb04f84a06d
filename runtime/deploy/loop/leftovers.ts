/**
 * Host processes a pipec process left serving when it was killed hard (SIGKILL: no exit hook ran).
 * status.json names each instance's process group and argv; the next deployment of the name, holding
 * its lock, stops the groups whose leader still runs that argv (so a reused pid is never touched).
 * Containers need none of this: they are found by label. Linux only (/proc); elsewhere a no-op.
 */
import { readFileSync } from "node:fs";
import type { DeploymentStatus } from "../history/index.ts";

export function reapLeftoverProcesses(status: DeploymentStatus | undefined): number {
  if (status === undefined || !status.serving || status.pid === process.pid) return 0;
  let reaped = 0;
  for (const instance of status.instances) {
    const pgid = Number(/@(\d+)$/.exec(instance.driverId ?? "")?.[1]);
    if (!Number.isInteger(pgid) || pgid <= 1 || instance.command === null) continue;
    if (!runs(pgid, instance.command)) continue;
    try {
      process.kill(-pgid, "SIGKILL");
      reaped += 1;
    } catch {
      // gone in between
    }
  }
  return reaped;
}

function runs(pid: number, argv: readonly string[]): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((part) => part !== "");
    return cmdline.length === argv.length && cmdline.every((part, i) => part === argv[i] || (i === 0 && part.endsWith(`/${argv[0]}`)));
  } catch {
    return false;
  }
}
