/**
 * `.pipec/runs/<id>/`: the plan, an append-only `events.jsonl`, one log per job under `logs/`, and
 * `state.json` at the end. Writes are synchronous appends to open files: ordered, and memory stays
 * bounded whatever a job prints. Every record lands whole or not at all (whole-append.ts).
 *
 * A full disk: job output (logs, `job.log` events) that does not fit is left out, said once per file,
 * and the run goes on. The records that say how jobs and the run ended may use the room held at the
 * start (disk-reserve.ts), so they land even then; `events.jsonl` alone tells what succeeded, so a
 * crash or a full disk loses at most the jobs in flight (recover-run-state.ts).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PipecError } from "../errors.ts";
import type { Plan } from "../plan/schema.ts";
import { holdDiskReserve, RESERVE_FILE, reserveBytes, type DiskReserve } from "./disk-reserve.ts";
import { RunEventSchema, type RunEvent } from "./events.ts";
import { openAppendFile, type AppendFile } from "./whole-append.ts";

export const RUNS_DIR = join(".pipec", "runs");
/** `logs/<job>.cached`: the id of the run whose log stands for a job that was a cache hit. */
export const CACHED_LOG_SUFFIX = ".cached";

export const RunStateSchema = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: z.enum(["running", "success", "failed", "cancelled"]),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  resumedFrom: z.string().nullable(),
  jobs: z.record(
    z.string(),
    z.object({
      status: z.string(),
      attempts: z.number(),
      durationMs: z.number().nullable(),
      exitCode: z.number().nullable(),
      reason: z.string().nullable(),
      /** Artifact ids of the job's outputs, by output name: what `--resume` restores from. */
      outputs: z.record(z.string(), z.string()).default({}),
    }),
  ),
  /** How the state was made when not by the run itself: a run killed hard, or a state recovered from its events. */
  note: z.string().optional(),
});
export type RunState = z.output<typeof RunStateSchema>;

export interface RunStore {
  readonly runId: string;
  readonly dir: string;
  append(event: RunEvent): void;
  appendLog(job: string, data: Buffer | string): void;
  /** Writes `state.json` whole (temp file and rename); false, with a problem recorded, when it could not. */
  writeState(state: RunState): boolean;
  /** A job-cache hit: `pipec logs` shows the log of run `fromRun` for this job (`logs/<job>.cached` names it). */
  noteCachedLog(job: string, fromRun: string): void;
  close(): void;
  /** Problems writing the run's files, each once, for a notice. */
  readonly writeProblems: string[];
}

/** The run's folder cannot be made or written (a read-only project, no permission, a full disk): nothing has run yet. */
export class RunStoreError extends PipecError {
  override readonly name = "RunStoreError";
  readonly code = "RUN_STORE_UNWRITABLE";
}

function why(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  return code === "EACCES" || code === "EPERM" || code === "EROFS" ? "permission denied" : code === "ENOSPC" || code === "EDQUOT" ? "the disk is full" : (cause as Error).message;
}

const isDiskFull = (cause: unknown) => ["ENOSPC", "EDQUOT"].includes((cause as NodeJS.ErrnoException).code ?? "");

export function createRunStore(projectDir: string, runId: string, plan: Plan): RunStore {
  const dir = join(projectDir, RUNS_DIR, runId);
  let events: AppendFile;
  let reserve: DiskReserve;
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
    writeFileSync(join(dir, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    events = openAppendFile(join(dir, "events.jsonl"));
    reserve = holdDiskReserve(join(dir, RESERVE_FILE), reserveBytes(Object.keys(plan.jobs).length));
  } catch (cause) {
    throw new RunStoreError(`cannot record the run in ${join(projectDir, RUNS_DIR)}: ${why(cause)}. pipec keeps each run under .pipec/ of the folder it runs in: run it from a folder you can write to, or fix the permissions of .pipec`, { cause });
  }
  const logs = new Map<string, AppendFile | null>();
  const writeProblems: string[] = [];
  const said = new Set<string>();
  const problem = (what: string, text: string) => {
    if (said.has(what)) return;
    said.add(what);
    writeProblems.push(text);
  };
  /** Job output: left out when it does not fit, and once the held room is given up (it is for the last words). */
  const writeOutput = (what: string, write: () => void) => {
    if (!reserve.held) return problem(what, `could not keep all of ${what} in ${dir}: the disk is full; output that did not fit is missing from it, the run went on`);
    try {
      write();
    } catch (cause) {
      problem(what, `could not keep all of ${what} in ${dir}: ${why(cause)}; output that did not fit is missing from it, the run went on`);
    }
  };
  /** How jobs and the run ended: on a full disk, the held room is given up and the write tried once more. */
  const writeRecord = (what: string, write: () => void): boolean => {
    try {
      write();
      return true;
    } catch (cause) {
      if (isDiskFull(cause) && reserve.release()) {
        try {
          write();
          return true;
        } catch (again) {
          cause = again;
        }
      }
      problem(what, `could not record ${what} in ${dir}: ${why(cause)}`);
      return false;
    }
  };
  return {
    runId,
    dir,
    writeProblems,
    append(event) {
      const line = `${JSON.stringify(event)}\n`;
      if (event.type === "job.log") writeOutput("the job.log events of events.jsonl", () => events.append(line));
      else writeRecord("events.jsonl", () => events.append(line));
    },
    appendLog(job, data) {
      const what = `logs/${job}.log`;
      writeOutput(what, () => {
        let file = logs.get(job);
        if (file === undefined) {
          file = openAppendFile(join(dir, "logs", `${job}.log`));
          logs.set(job, file);
        }
        file?.append(data);
      });
    },
    noteCachedLog(job, fromRun) {
      try {
        writeFileSync(join(dir, "logs", `${job}${CACHED_LOG_SUFFIX}`), `${fromRun}\n`);
      } catch (cause) {
        writeProblems.push(`could not write logs/${job}${CACHED_LOG_SUFFIX} in ${dir}: ${(cause as Error).message}`);
      }
    },
    writeState(state) {
      const path = join(dir, "state.json");
      const temp = `${path}.tmp`;
      const written = writeRecord("state.json", () => {
        try {
          writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
          renameSync(temp, path);
        } catch (cause) {
          rmSync(temp, { force: true });
          throw cause;
        }
      });
      if (!written) writeProblems.push(`pipec runs and pipec run --resume ${runId} read how the run ended from its events.jsonl instead`);
      return written;
    },
    close() {
      events.close();
      for (const file of logs.values()) file?.close();
      reserve.release();
    },
  };
}

/**
 * The runs, newest first. Ids sort by their second; runs started in the same second are ordered by
 * when their folders were made (the id's random suffix says nothing about order).
 */
export function listRunIds(projectDir: string): string[] {
  const dir = join(projectDir, RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    // Not "no runs yet": runs may be there, unreadable (another user's .pipec, a file in the way).
    const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOTDIR" ? "a file is in the way" : (cause as Error).message;
    throw new RunStoreError(`cannot read the runs in ${dir}: ${why}; run pipec as the user who owns .pipec, or fix its permissions`, { cause });
  }
  const ids = names.filter((name) => existsSync(join(dir, name, "events.jsonl")));
  const born = new Map<string, number>();
  const bornAt = (id: string): number => {
    let at = born.get(id);
    if (at === undefined) {
      const stats = statSync(join(dir, id));
      at = stats.birthtimeMs > 0 ? stats.birthtimeMs : stats.ctimeMs;
      born.set(id, at);
    }
    return at;
  };
  const second = (id: string): string => id.slice(0, id.lastIndexOf("-"));
  const descending = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);
  return ids.sort((a, b) => descending(second(a), second(b)) || bornAt(b) - bornAt(a) || descending(a, b));
}

export function runDir(projectDir: string, runId: string): string {
  return join(projectDir, RUNS_DIR, runId);
}

/** The run's events, skipping a torn last line (a crash mid-write) rather than failing. */
export function readRunEvents(projectDir: string, runId: string): RunEvent[] {
  const text = readFileSync(join(runDir(projectDir, runId), "events.jsonl"), "utf8");
  const events: RunEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = RunEventSchema.safeParse(JSON.parse(line));
      if (parsed.success) events.push(parsed.data);
    } catch {
      // A torn line from a crash: the events before it still tell the story.
    }
  }
  return events;
}

export function readRunState(projectDir: string, runId: string): RunState | null {
  try {
    const parsed = RunStateSchema.safeParse(JSON.parse(readFileSync(join(runDir(projectDir, runId), "state.json"), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function readRunPlan(projectDir: string, runId: string): unknown {
  return JSON.parse(readFileSync(join(runDir(projectDir, runId), "plan.json"), "utf8"));
}
