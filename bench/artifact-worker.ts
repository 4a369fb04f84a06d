/**
 * One artifact-store operation in a process of its own, so that its wall time and peak RSS are its
 * own: `node dist/bench.mjs --artifact-worker <op> ...` (a hidden sub-command of the bench bundle,
 * see index.ts). Prints one JSON line (WorkerReport) on stdout.
 *
 *   idle    STORE                      open the store and do nothing (the baseline RSS)
 *   collect STORE WORKSPACE PATTERN... store the files PATTERN matches in WORKSPACE as one artifact
 *   restore STORE ID DEST              restore artifact ID into DEST
 */
import { performance } from "node:perf_hooks";
import { openArtifactStore } from "../runtime/artifacts/index.ts";

export type WorkerCommand =
  | { readonly op: "idle"; readonly store: string }
  | { readonly op: "collect"; readonly store: string; readonly workspace: string; readonly paths: readonly string[] }
  | { readonly op: "restore"; readonly store: string; readonly id: string; readonly dest: string };

export interface WorkerReport {
  readonly op: WorkerCommand["op"];
  /** The store call alone (no process start, no module loading). */
  readonly ms: number;
  /** RSS just before the store call, MiB. */
  readonly rssBeforeMb: number;
  /** The process's peak RSS at the end (getrusage maxrss), MiB. */
  readonly peakRssMb: number;
  /** The artifact stored or restored; null for idle. */
  readonly id: string | null;
  readonly files: number;
  readonly bytes: number;
}

export const WORKER_FLAG = "--artifact-worker";

export class WorkerUsageError extends Error {}

const USAGE = `usage: ${WORKER_FLAG} idle STORE | collect STORE WORKSPACE PATTERN... | restore STORE ID DEST`;

export function parseWorkerArgs(argv: readonly string[]): WorkerCommand {
  const [op, store, ...rest] = argv;
  if (!store) throw new WorkerUsageError(USAGE);
  if (op === "idle" && rest.length === 0) return { op, store };
  if (op === "collect" && rest.length >= 2) return { op, store, workspace: rest[0]!, paths: rest.slice(1) };
  if (op === "restore" && rest.length === 2) return { op, store, id: rest[0]!, dest: rest[1]! };
  throw new WorkerUsageError(USAGE);
}

/** The argv after the script: `[WORKER_FLAG, op, ...]`. */
export function workerArgs(command: WorkerCommand): string[] {
  switch (command.op) {
    case "idle":
      return [WORKER_FLAG, "idle", command.store];
    case "collect":
      return [WORKER_FLAG, "collect", command.store, command.workspace, ...command.paths];
    case "restore":
      return [WORKER_FLAG, "restore", command.store, command.id, command.dest];
  }
}

/** The worker's JSON line from its stdout; throws when there is none or it is malformed. */
export function parseWorkerReport(stdout: string): WorkerReport {
  const line = stdout.split("\n").reverse().find((text) => text.startsWith("{"));
  if (!line) throw new Error(`the artifact worker printed no report: ${stdout.trim().slice(0, 200) || "(nothing)"}`);
  const value = JSON.parse(line) as Partial<WorkerReport>;
  const numbers = [value.ms, value.rssBeforeMb, value.peakRssMb, value.files, value.bytes];
  if (!["idle", "collect", "restore"].includes(String(value.op)) || !numbers.every((n) => typeof n === "number" && Number.isFinite(n))) {
    throw new Error(`the artifact worker's report is malformed: ${line.slice(0, 200)}`);
  }
  return value as WorkerReport;
}

const MIB = 1024 * 1024;

export async function runArtifactWorker(argv: readonly string[]): Promise<WorkerReport> {
  const command = parseWorkerArgs(argv);
  const store = openArtifactStore(command.store);
  const rssBeforeMb = process.memoryUsage().rss / MIB;
  const start = performance.now();
  let outcome: { id: string | null; files: number; bytes: number } = { id: null, files: 0, bytes: 0 };
  if (command.op === "collect") {
    const result = await store.collect(command.workspace, { paths: command.paths }, { name: "data", job: "bench", runId: `bench-${process.pid}-${Date.now()}`, pipeline: "artifact-bench" });
    if (result.kind !== "stored") throw new Error(result.message);
    outcome = { id: result.record.id, files: result.record.files, bytes: result.record.bytes };
  } else if (command.op === "restore") {
    const result = await store.restore(command.id, command.dest);
    outcome = { id: command.id, files: result.files, bytes: result.bytes };
  }
  const ms = performance.now() - start;
  return { op: command.op, ms, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024, ...outcome };
}
