/**
 * Instances started as host processes lead their own process group, so that a stop reaches whatever
 * they spawned. Groups still alive when pipec's process exits are killed then (a detached group
 * would otherwise outlive it and keep its port).
 */

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Signals a process group; false when it no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

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
