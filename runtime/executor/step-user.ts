/**
 * Who a job's steps run as in Docker. `invoker` (the default): the uid:gid of whoever runs pipec,
 * so the files steps write into the workspace are the user's own, never root's; `root`: uid 0, for
 * images whose steps install system packages; `image`: the image's own USER.
 */
import { mkdir } from "node:fs/promises";

export type StepUserMode = "invoker" | "root" | "image";

export interface Invoker {
  readonly uid: number;
  readonly gid: number;
}

export interface StepUser {
  /** The container's `User`: `uid:gid`, or "" for the image's own. */
  readonly spec: string;
  /** A uid that may have no passwd entry in the image, so no writable HOME: the job gets a home folder. */
  readonly needsHome: boolean;
}

export function stepUser(mode: StepUserMode, invoker: Invoker | undefined = processInvoker()): StepUser {
  if (mode === "image") return { spec: "", needsHome: false };
  if (mode === "root" || invoker === undefined || invoker.uid === 0) return { spec: "0:0", needsHome: false };
  return { spec: `${invoker.uid}:${invoker.gid}`, needsHome: true };
}

/** This process's uid and gid; undefined where there are none (Windows). */
function processInvoker(): Invoker | undefined {
  return typeof process.getuid === "function" && typeof process.getgid === "function" ? { uid: process.getuid(), gid: process.getgid() } : undefined;
}

/** The job's home folder on the host, beside its workspace (so it goes with the run's work folder). */
export async function createHome(workspace: string): Promise<string> {
  const home = `${workspace.replace(/\/+$/, "")}.home`;
  await mkdir(home, { recursive: true, mode: 0o700 });
  return home;
}
