/** Reading and writing the control files of a run (see schema.ts). */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJson, writeJsonAtomic } from "../../atomic-json.ts";
import { ControlRequestSchema, WaitingFileSchema, type ControlRequest, type WaitingEntry, type WaitingFile } from "./schema.ts";

export function controlDir(runDir: string, job: string): string {
  return join(runDir, "control", job);
}

export function waitingPath(runDir: string): string {
  return join(runDir, "waiting.json");
}

let sequence = 0;

/** Writes one request atomically (temp name without `.json`, then rename); returns its path. */
export function writeControlRequest(runDir: string, job: string, request: ControlRequest): string {
  const dir = controlDir(runDir, job);
  mkdirSync(dir, { recursive: true });
  // Time, then a per-process sequence: requests written in the same millisecond keep their order.
  sequence += 1;
  const name = `${Date.now().toString().padStart(15, "0")}-${sequence.toString().padStart(6, "0")}-${randomBytes(4).toString("hex")}`;
  const temp = join(dir, `.${name}.tmp`);
  writeFileSync(temp, `${JSON.stringify(request)}\n`);
  const path = join(dir, `${name}.json`);
  renameSync(temp, path);
  return path;
}

/** Takes (reads and removes) the pending requests for one job, oldest first. Unreadable ones are dropped and reported. */
export function takeControlRequests(runDir: string, job: string): { requests: ControlRequest[]; problems: string[] } {
  const dir = controlDir(runDir, job);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json") && !name.startsWith(".")).sort();
  } catch {
    return { requests: [], problems: [] };
  }
  const requests: ControlRequest[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const parsed = ControlRequestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (parsed.success) requests.push(parsed.data);
      else problems.push(`ignored control request ${name}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    } catch (error) {
      problems.push(`ignored control request ${name}: ${(error as Error).message}`);
    }
    rmSync(path, { force: true });
  }
  return { requests, problems };
}

export function readWaiting(runDir: string): WaitingFile | undefined {
  return readJson(waitingPath(runDir), WaitingFileSchema);
}

/**
 * The deployments of a run live in one pipec process, so one in-memory map per run directory is the
 * truth and the file is rewritten whole from it.
 */
const registries = new Map<string, { runId: string; deployments: Map<string, WaitingEntry> }>();

export function recordWaiting(runDir: string, runId: string, job: string, entry: Omit<WaitingEntry, "job" | "updatedAt"> | null): void {
  let registry = registries.get(runDir);
  if (registry === undefined) {
    registry = { runId, deployments: new Map() };
    registries.set(runDir, registry);
  }
  if (entry === null) registry.deployments.delete(job);
  else registry.deployments.set(job, { job, ...entry, updatedAt: new Date().toISOString() });
  const file: WaitingFile = { runId, pid: process.pid, deployments: Object.fromEntries(registry.deployments) };
  try {
    // A run directory that is gone stays gone: nobody can wait for its deployments any more.
    if (existsSync(runDir)) writeJsonAtomic(waitingPath(runDir), file);
  } catch {
    // The run directory is gone (the run ended): nobody can wait for this deployment any more.
  }
  if (registry.deployments.size === 0) registries.delete(runDir);
}
