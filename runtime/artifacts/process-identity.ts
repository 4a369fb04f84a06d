/**
 * Which process holds something (a reference, a lock, a temp file) and whether it is still alive.
 * A pid alone is not enough after a crash: pids are reused, quickly so in containers where pipec is
 * often pid 1 or close to it. On Linux the process start time (field 22 of /proc/<pid>/stat) is
 * recorded with the pid, and a pid running a different process counts as dead.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export const ProcessRefSchema = z.object({ pid: z.number().int().positive(), startedAt: z.string().nullable() });
export type ProcessRef = z.output<typeof ProcessRefSchema>;

/** The start time of a process as the kernel counts it, or null where /proc is not available. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function processRef(pid: number = process.pid): ProcessRef {
  return { pid, startedAt: processStartTime(pid) };
}

export function isAlive(ref: ProcessRef): boolean {
  try {
    process.kill(ref.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (ref.startedAt === null) return true;
  const now = processStartTime(ref.pid);
  return now === null || now === ref.startedAt;
}

/** `<pid>-<start>` for file names, so a leftover file tells which process left it. */
export function processTag(ref: ProcessRef = processRef()): string {
  return `${ref.pid}-${ref.startedAt ?? "x"}`;
}

/** Reads back a tag written by `processTag` at the start of a file name. */
export function parseProcessTag(name: string): ProcessRef | null {
  const match = /^(\d+)-(\d+|x)-/.exec(name);
  if (!match) return null;
  return { pid: Number(match[1]), startedAt: match[2] === "x" ? null : match[2]! };
}
