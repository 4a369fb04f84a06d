/** Where a deployment's supervisor keeps its files: `.pipec/deployments/<name>/` (pid file, control socket). */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploymentDir } from "../history/index.ts";

export const SUPERVISOR_PID = "supervisor.pid";
export const CONTROL_SOCKET = "control.sock";
/** Unix socket paths are limited to 108 bytes; a deeper project keeps its socket under the temp dir. */
const SOCKET_PATH_LIMIT = 100;

export function supervisorPidPath(projectDir: string, name: string): string {
  return join(deploymentDir(projectDir, name), SUPERVISOR_PID);
}

export function controlSocketPath(projectDir: string, name: string): string {
  const path = join(deploymentDir(projectDir, name), CONTROL_SOCKET);
  if (Buffer.byteLength(path) <= SOCKET_PATH_LIMIT) return path;
  const id = createHash("sha256").update(`${projectDir}\0${name}`).digest("hex").slice(0, 16);
  return join(tmpdir(), `pipec-${id}.sock`);
}

/** The pid in the supervisor's pid file; undefined when there is none (or it is damaged). */
export function readSupervisorPid(projectDir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(supervisorPidPath(projectDir, name), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export { isSupervisorProcess } from "../history/store.ts";
