/**
 * `.pipec/runs/<id>/`: the plan, an append-only `events.jsonl`, one log per job under `logs/`, and
 * `state.json` at the end. Writes are synchronous appends to open files: ordered, and memory stays
 * bounded whatever a job prints. A write that fails (a full disk) is reported once and the run goes on.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, writeSync, existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PipecError } from "../errors.ts";
import type { Plan } from "../plan/schema.ts";
import { RunEventSchema, type RunEvent } from "./events.ts";

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
});
export type RunState = z.output<typeof RunStateSchema>;

export interface RunStore {
  readonly runId: string;
  readonly dir: string;
  append(event: RunEvent): void;
  appendLog(job: string, data: Buffer | string): void;
  writeState(state: RunState): void;
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

export function createRunStore(projectDir: string, runId: string, plan: Plan): RunStore {
  const dir = join(projectDir, RUNS_DIR, runId);
  let events: number;
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
    writeFileSync(join(dir, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    events = openSync(join(dir, "events.jsonl"), "a");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "EACCES" || code === "EPERM" || code === "EROFS" ? "permission denied" : code === "ENOSPC" ? "the disk is full" : (cause as Error).message;
    throw new RunStoreError(`cannot record the run in ${join(projectDir, RUNS_DIR)}: ${why}. pipec keeps each run under .pipec/ of the folder it runs in: run it from a folder you can write to, or fix the permissions of .pipec`, { cause });
  }
  const logs = new Map<string, number>();
  const writeProblems: string[] = [];
  const failed = new Set<string>();
  const write = (fd: number, data: Buffer | string, what: string) => {
    if (failed.has(what)) return;
    try {
      if (typeof data === "string") writeSync(fd, data);
      else writeSync(fd, data);
    } catch (cause) {
      failed.add(what);
      writeProblems.push(`could not write ${what} in ${dir}: ${(cause as Error).message}; the run goes on without it`);
    }
  };
  return {
    runId,
    dir,
    writeProblems,
    append(event) {
      write(events, `${JSON.stringify(event)}\n`, "events.jsonl");
    },
    appendLog(job, data) {
      let fd = logs.get(job);
      if (fd === undefined) {
        fd = openSync(join(dir, "logs", `${job}.log`), "a");
        logs.set(job, fd);
      }
      write(fd, data, `logs/${job}.log`);
    },
    noteCachedLog(job, fromRun) {
      try {
        writeFileSync(join(dir, "logs", `${job}${CACHED_LOG_SUFFIX}`), `${fromRun}\n`);
      } catch (cause) {
        writeProblems.push(`could not write logs/${job}${CACHED_LOG_SUFFIX} in ${dir}: ${(cause as Error).message}`);
      }
    },
    writeState(state) {
      try {
        writeFileSync(join(dir, "state.json.tmp"), `${JSON.stringify(state, null, 2)}\n`);
        renameSync(join(dir, "state.json.tmp"), join(dir, "state.json"));
      } catch (cause) {
        writeProblems.push(`could not write state.json in ${dir}: ${(cause as Error).message}`);
      }
    },
    close() {
      closeSync(events);
      for (const fd of logs.values()) closeSync(fd);
    },
  };
}

/** Run ids in the project, newest first. */
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
