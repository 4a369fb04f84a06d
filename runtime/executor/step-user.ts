/**
 * Who a job's steps run as in Docker. `invoker` (the default): the uid:gid of whoever runs pipec,
 * so the files steps write into the workspace are the user's own, never root's; `root`: uid 0, for
 * images whose steps install system packages; `image`: the image's own USER.
 */
import { chown, mkdir } from "node:fs/promises";

export type StepUserMode = "invoker" | "root" | "image";

export interface Invoker {
  readonly uid: number;
  readonly gid: number;
}

export interface StepUser {
  /** The container's `User`: `uid:gid`, or "" for the image's own. */
  readonly spec: string;
  /** A uid that may have no passwd entry in the image, so no writable HOME: the job gets a home folder owned by it. */
  readonly home: Invoker | null;
}

export function stepUser(mode: StepUserMode, invoker: Invoker | undefined = processInvoker()): StepUser {
  if (mode === "image") return { spec: "", home: null };
  if (mode === "root" || invoker === undefined || invoker.uid === 0) return { spec: "0:0", home: null };
  return { spec: `${invoker.uid}:${invoker.gid}`, home: invoker };
}

/** This process's uid and gid; undefined where there are none (Windows). */
function processInvoker(): Invoker | undefined {
  return typeof process.getuid === "function" && typeof process.getgid === "function" ? { uid: process.getuid(), gid: process.getgid() } : undefined;
}

/** The job's home folder on the host, beside its workspace (so it goes with the run's work folder), owned by `owner`. */
export async function createHome(workspace: string, owner: Invoker): Promise<string> {
  const home = `${workspace.replace(/\/+$/, "")}.home`;
  await mkdir(home, { recursive: true, mode: 0o700 });
  // Only root can give a folder away; anyone else creates it as their own, which is the owner.
  if (process.getuid?.() === 0) await chown(home, owner.uid, owner.gid);
  return home;
}
