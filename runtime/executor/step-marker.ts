/**
 * Finding every process a local step started, even those that left its process group: `setsid`,
 * `nohup ... &`, a daemon's double fork. Each step's processes carry a marker in their environment
 * (`PIPEC_STEP_TOKEN`, inherited by every child); at the step's end pipec kills every process of
 * the user whose environment holds it, read from `/proc/<pid>/environ`.
 *
 * Why this and not the alternatives, on Linux without root: cgroups need root or a delegated
 * subtree; PR_SET_CHILD_SUBREAPER needs a native call Node does not offer, and would still need the
 * orphans to be found; a PID namespace (`unshare --pid`) needs unprivileged user namespaces, which
 * many machines turn off. The marker works wherever `/proc` does. What it misses: a process that
 * clears its own environment (`env -i`) before it detaches. Elsewhere (macOS) only the process group is killed.
 */
import { readdirSync, readFileSync } from "node:fs";

export const STEP_TOKEN_VARIABLE = "PIPEC_STEP_TOKEN";

/** The marker of one step attempt: the run id first, so that a later run can find what a killed run left. */
export function stepToken(runId: string, jobId: string, step: number): string {
  return `${runId}/${jobId}/${step}/${Math.random().toString(36).slice(2, 10)}`;
}

const procAvailable = (() => {
  try {
    readFileSync("/proc/self/environ");
    return true;
  } catch {
    return false;
  }
})();

/** Pids of the processes whose environment holds the marker exactly, or one that starts with `prefix/` (a whole run). */
export function findMarkedProcesses(token: string, options: { readonly prefix?: boolean } = {}): number[] {
  if (!procAvailable) return [];
  const needle = `${STEP_TOKEN_VARIABLE}=${token}${options.prefix ? "/" : "\0"}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue; // Gone already, or another user's process (not readable): not ours.
    }
    if (environ.startsWith(needle) || environ.includes(`\0${needle}`)) found.push(pid);
  }
  return found;
}

/** SIGKILLs every marked process, scanning again while any are found (one may fork during a scan). Returns how many. */
export function killMarkedProcesses(token: string, options: { readonly prefix?: boolean } = {}): number {
  let killed = 0;
  for (let round = 0; round < 5; round++) {
    const pids = findMarkedProcesses(token, options);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Exited meanwhile.
      }
    }
  }
  return killed;
}
