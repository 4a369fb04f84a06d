/**
 * Instances started as host processes lead their own process group, so that a stop reaches whatever
 * they spawned. Groups still alive when pipec's process exits are killed then (a detached group
 * would otherwise outlive it and keep its port).
 */

import { killGroup } from "../../executor/process-group.ts";

export { killGroup };

const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const group of liveGroups) killGroup(group, "SIGKILL");
    });
  }
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}
