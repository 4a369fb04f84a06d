/**
 * Deployments whose pipec process ended hard (SIGKILL, a crash) keep serving: their instances and
 * an HAProxy outlive it. The next deployment of the same name stops them (run-deployment.ts); so
 * does the next run of any pipeline in the project, through this: for each deployment whose status
 * says a dead process serves it, with the name's lock held, its host processes, its containers (by
 * label) and its HAProxy (by pid file) are stopped, and the status says it no longer serves.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { controlSocketPath, supervisorPidPath } from "../supervisor/paths.ts";
import { connectDocker, deploymentSelector, projectLabel } from "../../docker/index.ts";
import { acquireDeploymentLock, DeploymentBusyError, listDeployments, readStatus, servingProcessAlive, writeStatus } from "../history/index.ts";
import { stopLeftover } from "../router/haproxy/haproxy-process.ts";
import { reapLeftoverProcesses } from "./leftovers.ts";
import { haproxyStateDir } from "./setup.ts";
import type { ReapedDeployments } from "../../run/deployments.ts";


export async function reapOrphanedDeployments(projectDir: string): Promise<ReapedDeployments> {
  const names: string[] = [];
  const problems: string[] = [];
  let instances = 0;
  for (const name of listDeployments(projectDir)) {
    const reaped = await reapOrphanedDeployment(projectDir, name);
    if (reaped === null) continue;
    names.push(name);
    instances += reaped.instances;
    problems.push(...reaped.problems);
  }
  return { names, instances, problems };
}

/**
 * Stops what a dead pipec process left serving for `name` (null when a live process serves it, or
 * nothing does, or a live deployment of the name holds its lock).
 */
export async function reapOrphanedDeployment(projectDir: string, name: string): Promise<{ instances: number; problems: string[] } | null> {
  const status = readStatus(projectDir, name);
  if (status === undefined || !status.serving || status.pid === process.pid || servingProcessAlive(status)) return null;
  let release: () => void;
  try {
    release = acquireDeploymentLock(projectDir, name, null);
  } catch (error) {
    if (error instanceof DeploymentBusyError) return null; // a live deployment of the name is taking over
    throw error;
  }
  const problems: string[] = [];
  try {
    let instances = reapLeftoverProcesses(status);
    // Docker instances have no command of their own in the status; the engine finds them by label.
    if (status.instances.some((instance) => instance.command === null)) {
      try {
        instances += await connectDocker().removeByLabel(deploymentSelector(name, projectLabel(projectDir)));
      } catch (error) {
        problems.push(`deployment "${name}": its containers could not be removed: ${(error as Error).message}`);
      }
    }
    const stateDir = haproxyStateDir(projectDir, name);
    await stopLeftover(join(stateDir, "haproxy.pid"), join(stateDir, "haproxy.cfg")).catch(() => undefined);
    // What a supervisor killed hard left: its pid file and control socket mean nothing now.
    rmSync(supervisorPidPath(projectDir, name), { force: true });
    rmSync(controlSocketPath(projectDir, name), { force: true });
    writeStatus(projectDir, { ...status, serving: false, instances: [], weights: {}, message: `stopped: its pipec process (pid ${status.pid}) ended without stopping it`, updatedAt: new Date().toISOString() });
    return { instances, problems };
  } finally {
    release();
  }
}
