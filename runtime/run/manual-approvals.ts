/**
 * The shell side of manual jobs: while the scheduler holds a job waiting for its approval, the run
 * says so (`job.approval` events, and an entry of kind "job" in the run's `waiting.json`, the file
 * `pipec approve` reads, as for deployment gates) and polls the job's control folder for the
 * approval, which it feeds back to the scheduler.
 */
import { recordWaiting, takeControlRequests } from "./control/files.ts";
import type { RunEventDraft } from "./events.ts";

export interface ManualApprovalsOptions {
  readonly runDir: string;
  readonly runId: string;
  readonly emit: (event: RunEventDraft) => void;
  /** An approval arrived for a waiting job. */
  readonly approved: (id: string, name: string) => void;
  /** How often the control folders are read. @default 200 */
  readonly pollMs?: number;
}

export interface ManualApprovals {
  open(id: string, name: string, timeoutAt: number | null): void;
  close(id: string, name: string, outcome: "approved" | "timed-out" | "cancelled"): void;
  /** The run is over: no more polling. */
  stop(): void;
}

export function createManualApprovals(options: ManualApprovalsOptions): ManualApprovals {
  const { runDir, runId, emit } = options;
  const waiting = new Map<string, string>();
  let poller: NodeJS.Timeout | null = null;
  const command = (name: string) => `pipec approve ${runId} ${name}`;

  const poll = () => {
    for (const [id, name] of [...waiting]) {
      const { requests, problems } = takeControlRequests(runDir, id);
      for (const problem of problems) emit({ type: "run.notice", level: "warning", message: `job ${id}: ${problem}` });
      for (const request of requests) {
        if (request.type === "approve" && request.gate === name) options.approved(id, name);
        else emit({ type: "run.notice", level: "warning", message: `job ${id} waits for approval "${name}": ignored pipec ${request.type}${request.type === "approve" ? ` ${request.gate}` : ""} (${command(name)} approves it)` });
      }
    }
  };

  return {
    open(id, name, timeoutAt) {
      waiting.set(id, name);
      const limit = timeoutAt === null ? "" : ` until ${new Date(timeoutAt).toISOString()}`;
      recordWaiting(runDir, runId, id, { kind: "job", deployment: id, phase: "Waiting", message: `waiting for approval "${name}"${limit}: ${command(name)}`, gates: [name], inProgress: false });
      emit({ type: "job.approval", job: id, name, state: "waiting", timeoutAt: timeoutAt === null ? null : new Date(timeoutAt).toISOString(), command: command(name) });
      poller ??= setInterval(poll, options.pollMs ?? 200);
    },
    close(id, name, outcome) {
      waiting.delete(id);
      recordWaiting(runDir, runId, id, null);
      emit({ type: "job.approval", job: id, name, state: outcome, timeoutAt: null, command: command(name) });
      if (waiting.size === 0 && poller !== null) {
        clearInterval(poller);
        poller = null;
      }
    },
    stop() {
      if (poller !== null) clearInterval(poller);
      poller = null;
    },
  };
}
