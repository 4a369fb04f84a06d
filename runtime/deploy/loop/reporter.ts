/**
 * Where a deployment tells what it does: run events (`deploy.status`, and `job.log` lines on step 0,
 * stdout) while its job runs, the job's log file, `.pipec/deployments/<name>/deploy.log` (every line,
 * for as long as it serves: `pipec deploy logs NAME`), `.pipec/deployments/<name>/status.json` for
 * `pipec deploy status`, and the run's `waiting.json` for `pipec approve | promote | abort`.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunEventDraft } from "../../run/events.ts";
import { recordWaiting } from "../../run/control/index.ts";
import { deploymentDir, writeStatus, type DeploymentStatus } from "../history/index.ts";

/** The deployment's own log, across runs; kept under about twice this size (one older file). */
export const DEPLOY_LOG = "deploy.log";
const DEPLOY_LOG_LIMIT = 1024 * 1024;

export function deployLogPath(projectDir: string, name: string): string {
  return join(deploymentDir(projectDir, name), DEPLOY_LOG);
}
import type { DeployPhase, PausedReason, Weights } from "../strategy/index.ts";

export interface ReporterOptions {
  readonly projectDir: string;
  readonly runId: string | null;
  readonly runDir: string | null;
  readonly jobId: string | null;
  readonly name: string;
  readonly revision: number;
  readonly emit: ((event: RunEventDraft) => void) | null;
  /** Appends a line to the job's log file. */
  readonly appendLog: ((line: string) => void) | null;
  readonly mask: (text: string) => string;
}

export interface StatusLine {
  readonly phase: DeployPhase;
  readonly pausedReason: PausedReason | null;
  readonly step: number | null;
  readonly message: string;
}

export class DeploymentReporter {
  /** Off once the job has its outcome: the run's event stream may be closed after that. */
  private live = true;
  private status: DeploymentStatus | null = null;
  private dirty = false;

  private readonly deployLog: string;

  constructor(private readonly options: ReporterOptions) {
    this.deployLog = deployLogPath(options.projectDir, options.name);
    try {
      mkdirSync(deploymentDir(options.projectDir, options.name), { recursive: true });
      if ((statSync(this.deployLog, { throwIfNoEntry: false })?.size ?? 0) > DEPLOY_LOG_LIMIT) renameSync(this.deployLog, `${this.deployLog}.1`);
    } catch {
      // .pipec is not writable: the log goes to the run only
    }
  }

  /** A progress line: the deployment's log always; a job.log event and the job's log file while the job runs. */
  line(text: string): void {
    const masked = this.options.mask(text);
    try {
      appendFileSync(this.deployLog, `${new Date().toISOString()} r${this.options.revision}${this.options.runId === null ? "" : ` ${this.options.runId}`} ${masked}\n`);
    } catch {
      // best effort, as the status file
    }
    if (!this.live) return;
    this.options.appendLog?.(`${masked}\n`);
    if (this.options.jobId !== null) this.options.emit?.({ type: "job.log", job: this.options.jobId, step: 0, stream: "stdout", text: masked });
  }

  statusChanged(line: StatusLine, weights: Weights | null): void {
    if (!this.live) return;
    const weightText = weights === null ? "" : ` [stable ${weights.stable}% / new ${weights.canary}%]`;
    this.line(`${line.phase}${line.pausedReason === null ? "" : ` (${line.pausedReason})`}: ${line.message}${weightText}`);
    if (this.options.jobId === null) return;
    this.options.emit?.({
      type: "deploy.status",
      job: this.options.jobId,
      deployment: this.options.name,
      revision: this.options.revision,
      phase: line.phase,
      pausedReason: line.pausedReason,
      step: line.step,
      weights,
      message: this.options.mask(line.message),
    });
  }

  /** A judged measurement of an analysis: a `deploy.analysis` event while the job runs (the report draws them over time). */
  analysis(measurement: { analysisId: string; metric: string; phase: "successful" | "failed" | "inconclusive" | "error"; value: number | null; message: string; weight: number | null }): void {
    if (!this.live || this.options.jobId === null) return;
    this.options.emit?.({ type: "deploy.analysis", job: this.options.jobId, deployment: this.options.name, revision: this.options.revision, ...measurement, message: this.options.mask(measurement.message) });
  }

  /** Stops run events and log lines (the job has ended); files go on. */
  detach(): void {
    this.live = false;
  }

  /** The next `flush` writes this status. */
  setStatus(status: DeploymentStatus): void {
    this.status = status;
    this.dirty = true;
  }

  flush(): void {
    if (!this.dirty || this.status === null) return;
    this.dirty = false;
    try {
      writeStatus(this.options.projectDir, { ...this.status, message: this.options.mask(this.status.message), updatedAt: new Date().toISOString() });
    } catch {
      // .pipec is not writable: status stays in memory (events still tell)
    }
  }

  waiting(entry: { phase: string; message: string; gates: string[]; inProgress: boolean } | null): void {
    const { runDir, runId, jobId, name } = this.options;
    if (runDir === null || runId === null || jobId === null) return;
    recordWaiting(runDir, runId, jobId, entry === null ? null : { deployment: name, ...entry, message: this.options.mask(entry.message) });
  }
}
