/**
 * The sending side, for `pipec approve RUN GATE`, `pipec promote RUN [--full]` and `pipec abort RUN`:
 * checks that the run is live and waits for what is asked (a clear error otherwise), writes the
 * request, and waits briefly for the deployment loop to take it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { listRunIds, runDir as runDirOf } from "../run-store.ts";
import { processAlive } from "../../process-alive.ts";
import { readWaiting, writeControlRequest } from "./files.ts";
import type { ControlRequest, WaitingEntry } from "./schema.ts";

export class ControlError extends Error {
  override readonly name = "ControlError";
  constructor(
    readonly code: "CONTROL_NO_RUN" | "CONTROL_RUN_ENDED" | "CONTROL_NOT_WAITING" | "CONTROL_AMBIGUOUS",
    message: string,
  ) {
    super(message);
  }
}

export interface SendControlOptions {
  readonly projectDir: string;
  /** A run id, or "last". */
  readonly run: string;
  /** The deploy job, when the run has several deployments in progress. */
  readonly job?: string;
  readonly request: ControlRequest;
  /** How long to wait for the loop to take the request. @default 5000 */
  readonly waitMs?: number;
}

export interface SendControlResult {
  readonly runId: string;
  readonly job: string;
  /** A manual job's approval (no deployment): every job waiting at that name of the run is approved. */
  readonly manual: readonly string[] | null;
  readonly deployment: string;
  /** The loop took the request within `waitMs`. */
  readonly delivered: boolean;
}

export async function sendControlRequest(options: SendControlOptions): Promise<SendControlResult> {
  try {
    return await sendTo(options);
  } catch (error) {
    // "last" is the newest run, which may be a later run than the one waiting (another pipeline run
    // since, or one refused by the name's lock): name the run that does wait, so the user can retry.
    if (!(error instanceof ControlError) || options.run !== "last" || error.code === "CONTROL_AMBIGUOUS") throw error;
    const hint = waitingElsewhere(options);
    throw hint === undefined ? error : new ControlError(error.code, `${error.message}; ${hint}`);
  }
}

/** `run R is waiting at gate "go" (job ship): pipec approve R go`, for the newest other live run that could take the request. */
function waitingElsewhere(options: SendControlOptions): string | undefined {
  const { projectDir, request } = options;
  for (const runId of listRunIds(projectDir).slice(1)) {
    const dir = runDirOf(projectDir, runId);
    if (existsSync(join(dir, "state.json"))) continue;
    const waiting = readWaiting(dir);
    if (waiting === undefined || !processAlive(waiting.pid)) continue;
    const entry = Object.values(waiting.deployments).find((e) => (options.job === undefined || e.job === options.job) && (request.type === "approve" ? e.gates.includes(request.gate) : e.inProgress));
    if (entry === undefined) continue;
    const command = request.type === "approve" ? `pipec approve ${runId} ${request.gate}` : `pipec ${request.type} ${runId}${request.type === "promote" && request.full ? " --full" : ""}`;
    return `run ${runId} (job ${entry.job}${entry.kind === "job" ? "" : `, deployment ${entry.deployment}`}) could take it: ${command}`;
  }
  return undefined;
}

async function sendTo(options: SendControlOptions): Promise<SendControlResult> {
  const { projectDir, request } = options;
  const runId = options.run === "last" ? listRunIds(projectDir)[0] : options.run;
  const dir = runId === undefined ? undefined : runDirOf(projectDir, runId);
  if (runId === undefined || dir === undefined || !existsSync(dir)) throw new ControlError("CONTROL_NO_RUN", `no run ${options.run} in .pipec/runs (see pipec runs)`);
  if (existsSync(join(dir, "state.json"))) throw new ControlError("CONTROL_RUN_ENDED", `run ${runId} has finished: there is no deployment to ${verb(request)}`);
  const waiting = readWaiting(dir);
  if (waiting === undefined || Object.keys(waiting.deployments).length === 0) {
    throw new ControlError("CONTROL_NOT_WAITING", `run ${runId} has no deployment in progress`);
  }
  if (!processAlive(waiting.pid)) throw new ControlError("CONTROL_RUN_ENDED", `run ${runId} is not running any more (its pipec process ${waiting.pid} is gone)`);

  const entries = Object.values(waiting.deployments).filter((entry) => options.job === undefined || entry.job === options.job);
  if (entries.length === 0) {
    throw new ControlError("CONTROL_NOT_WAITING", `run ${runId} has no deployment job "${options.job}" in progress (${describeAll(Object.values(waiting.deployments))})`);
  }
  const matching = entries.filter((entry) => (request.type === "approve" ? entry.gates.includes(request.gate) : entry.inProgress));
  if (matching.length === 0) {
    const what = request.type === "approve" ? `is not waiting at gate "${request.gate}"` : "has no deployment in progress";
    throw new ControlError("CONTROL_NOT_WAITING", `run ${runId} ${what}: ${describeAll(entries)}`);
  }
  // The expansions of a matrix job share their approval's name: one approval releases them all.
  const manual = matching.filter((entry) => entry.kind === "job");
  if (manual.length > 0 && manual.length === matching.length) {
    const paths = manual.map((entry) => writeControlRequest(dir, entry.job, request));
    const delivered = (await Promise.all(paths.map((path) => waitUntilGone(path, options.waitMs ?? 5_000)))).every(Boolean);
    return { runId, job: manual[0]!.job, manual: manual.map((entry) => entry.job), deployment: manual[0]!.deployment, delivered };
  }
  if (matching.length > 1) {
    throw new ControlError("CONTROL_AMBIGUOUS", `run ${runId} has several deployments that could take this (${matching.map((e) => e.job).join(", ")}): name one with --job`);
  }
  const target = matching[0]!;
  const path = writeControlRequest(dir, target.job, request);
  const delivered = await waitUntilGone(path, options.waitMs ?? 5_000);
  return { runId, job: target.job, manual: null, deployment: target.deployment, delivered };
}

function verb(request: ControlRequest): string {
  return request.type === "approve" ? "approve" : request.type;
}

/** `job ship (deployment web): waiting for approval "go-live"` for each entry. */
function describeAll(entries: readonly WaitingEntry[]): string {
  return entries
    .map((e) => {
      if (e.kind === "job") return `job ${e.job} is waiting for approval "${e.gates[0] ?? ""}"`;
      const gates = e.gates.length === 0 ? (e.inProgress ? "no approval gate is open" : "its rollout is over") : `waiting at gate${e.gates.length > 1 ? "s" : ""} ${e.gates.map((g) => `"${g}"`).join(", ")}`;
      return `job ${e.job} (deployment ${e.deployment}) is ${e.phase}: ${gates}; ${e.message}`;
    })
    .join("; ");
}

async function waitUntilGone(path: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!existsSync(path)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !existsSync(path);
}

