/**
 * One pipec process at a time deploys (and serves) a deployment name in a project: a lock file with
 * the owner's pid, taken with O_EXCL. A lock whose process is gone is taken over.
 */
import { openSync, closeSync, readFileSync, rmSync, writeSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../../process-alive.ts";
import { deploymentDir } from "./store.ts";

export class DeploymentBusyError extends Error {
  override readonly name = "DeploymentBusyError";
  readonly code = "DEPLOYMENT_BUSY";
  constructor(
    readonly deployment: string,
    readonly owner: { readonly pid: number; readonly runId: string | null },
  ) {
    super(
      `deployment "${deployment}" is in use by another pipec process (pid ${owner.pid}${owner.runId ? `, run ${owner.runId}` : ""}): ` +
        "wait for it to end (or stop it) and try again",
    );
  }
}

/** Takes the lock; returns the function that releases it. */
export function acquireDeploymentLock(projectDir: string, name: string, runId: string | null): () => void {
  const dir = deploymentDir(projectDir, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, runId }));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(path);
      if (owner !== null && owner.pid !== process.pid && processAlive(owner.pid)) throw new DeploymentBusyError(name, owner);
      if (owner !== null && owner.pid === process.pid) throw new DeploymentBusyError(name, owner);
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  throw new DeploymentBusyError(name, readOwner(path) ?? { pid: 0, runId: null });
}

function readOwner(path: string): { pid: number; runId: string | null } | null {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as { pid?: unknown; runId?: unknown };
    return typeof data.pid === "number" ? { pid: data.pid, runId: typeof data.runId === "string" ? data.runId : null } : null;
  } catch {
    return null;
  }
}
