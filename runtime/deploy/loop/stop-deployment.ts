/**
 * `pipec deploy stop NAME` from any terminal: the pipec process that serves the deployment is asked
 * to stop serving it (a request file beside its status, `.pipec/deployments/<name>/stop.json`, which
 * its session polls every ~200 ms); it drains and stops the instances, closes the router and writes
 * `serving: false`. When that process is gone (it ended hard), what it left is stopped here instead.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { deploymentDir, processAlive, readStatus, servingProcessAlive, type DeploymentStatus } from "../history/index.ts";
import { writeJsonAtomic } from "../../atomic-json.ts";
import { isSupervisorProcess } from "../supervisor/paths.ts";
import { reapOrphanedDeployment } from "./reap-orphaned-deployments.ts";
import { stopServing } from "./serving.ts";

const StopRequestSchema = z.object({ pid: z.number().int(), requestedAt: z.string() }).strict();

export class StopError extends Error {
  override readonly name = "StopError";
  readonly code = "DEPLOY_STOP_FAILED";
}

export type StopResult =
  /** The serving process stopped it: router closed (`portClosed`), instances stopped. */
  | { readonly kind: "stopped"; readonly pid: number; readonly listen: string; readonly instances: number; readonly portClosed: boolean }
  /** The serving process was gone; its leftovers were stopped. */
  | { readonly kind: "reaped"; readonly pid: number; readonly listen: string; readonly instances: number; readonly problems: readonly string[] }
  /** Nothing serves it. */
  | { readonly kind: "not-serving"; readonly status: DeploymentStatus | undefined };

export interface StopInput {
  readonly projectDir: string;
  readonly name: string;
  /** How long the serving process may take to drain and stop. @default 60000 */
  readonly timeoutMs?: number;
}

export function stopRequestPath(projectDir: string, name: string): string {
  return join(deploymentDir(projectDir, name), "stop.json");
}

/** Whether a stop was requested for the deployment this process (`pid`) serves; takes the request. */
export function takeStopRequest(projectDir: string, name: string, pid: number): boolean {
  const path = stopRequestPath(projectDir, name);
  if (!existsSync(path)) return false;
  let request: z.output<typeof StopRequestSchema> | undefined;
  try {
    request = StopRequestSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    request = undefined;
  }
  // A request for another (earlier) process of the name is stale: whoever serves now was not asked.
  if (request !== undefined && request.pid !== pid) return false;
  rmSync(path, { force: true });
  return request !== undefined;
}

export async function stopDeployment(input: StopInput): Promise<StopResult> {
  const { projectDir, name } = input;
  const status = readStatus(projectDir, name);
  if (status === undefined || !status.serving) return { kind: "not-serving", status };
  if (status.pid === process.pid) {
    const instances = status.instances.length;
    await stopServing(name);
    return { kind: "stopped", pid: status.pid, listen: status.listen, instances, portClosed: await portClosed(status.listen) };
  }
  if (!servingProcessAlive(status)) {
    const reaped = await reapOrphanedDeployment(projectDir, name);
    if (reaped === null) return { kind: "not-serving", status: readStatus(projectDir, name) };
    return { kind: "reaped", pid: status.pid, listen: status.listen, instances: reaped.instances, problems: reaped.problems };
  }
  // A deployment's supervisor exits once it stops serving: its router is closed only then.
  const supervised = isSupervisorProcess(status.pid, name);
  writeJsonAtomic(stopRequestPath(projectDir, name), { pid: status.pid, requestedAt: new Date().toISOString() });
  const deadline = Date.now() + (input.timeoutMs ?? 60_000);
  for (;;) {
    const now = readStatus(projectDir, name);
    if (!processAlive(status.pid)) break;
    if (!supervised && (now === undefined || !now.serving || now.pid !== status.pid)) break;
    if (Date.now() > deadline) {
      rmSync(stopRequestPath(projectDir, name), { force: true });
      throw new StopError(`deployment "${name}" is still served by pid ${status.pid} after ${Math.round((input.timeoutMs ?? 60_000) / 1000)} s; see pipec deploy logs ${name}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(stopRequestPath(projectDir, name), { force: true });
  return { kind: "stopped", pid: status.pid, listen: status.listen, instances: status.instances.length, portClosed: await portClosed(status.listen) };
}

/** Whether nothing listens on `127.0.0.1:PORT` any more. */
function portClosed(listen: string): Promise<boolean> {
  const port = Number(listen.slice(listen.lastIndexOf(":") + 1));
  const host = listen.slice(0, listen.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}
