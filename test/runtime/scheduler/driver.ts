/**
 * A fake shell for the scheduler core: a fake clock, a fake executor that finishes attempts after
 * scripted durations, fake timers, and a recorded timeline. Tests describe jobs and scripts and
 * assert on what happened when.
 */
import { parseExpression, unwrapTemplate } from "../../../runtime/plan/expression/index.ts";
import type { Approval, Retry } from "../../../runtime/plan/schema.ts";
import { mulberry32 } from "../../../bench/generate.ts";
import {
  advance,
  createScheduler,
  type AttemptOutcome,
  type JobStatus,
  type RunStatus,
  type SchedulerCommand,
  type SchedulerEvent,
  type SchedulerJob,
  type SchedulerOptions,
  type SchedulerState,
} from "../../../runtime/scheduler/index.ts";

/** One attempt: how long it runs and how it ends. `ms: Infinity` runs until stopped. */
export interface AttemptScript {
  readonly ms: number;
  readonly outcome?: Exclude<AttemptOutcome, "timed-out" | "cancelled"> | "cancelled";
  readonly exitCode?: number;
  readonly message?: string;
  readonly outputs?: Readonly<Record<string, string>>;
  /** False: the executor says trying again cannot help. */
  readonly retryable?: boolean;
}
/** A number: every attempt succeeds after that many ms. A list: per attempt, the last repeating. */
export type JobScript = number | readonly (number | AttemptScript)[];

export interface DriveOptions {
  /** Jobs without a script succeed after 10 ms. */
  readonly scripts?: Readonly<Record<string, JobScript>>;
  /** Events from outside (Ctrl-C), delivered at the given times. */
  readonly events?: readonly { readonly at: number; readonly event: SchedulerEvent }[];
  /** How long a stopped attempt takes to report back. @default 0 */
  readonly stopDelayMs?: number;
}

export interface Span {
  readonly id: string;
  readonly attempt: number;
  readonly start: number;
  end: number | null;
  outcome: AttemptOutcome | null;
}

export interface DriveResult {
  readonly state: SchedulerState;
  readonly spans: Span[];
  readonly commands: { readonly at: number; readonly command: SchedulerCommand }[];
  readonly runStatus: RunStatus | null;
  readonly finishedAt: number | null;
  /** The most attempts running at once, as the executor saw it. */
  readonly maxRunning: number;
  readonly statuses: Record<string, JobStatus>;
}

interface Item {
  readonly at: number;
  readonly seq: number;
  readonly event: SchedulerEvent;
  readonly tag: string | null;
}

export function drive(jobs: readonly SchedulerJob[], options: SchedulerOptions, driveOptions: DriveOptions = {}): DriveResult {
  const scripts = driveOptions.scripts ?? {};
  const stopDelay = driveOptions.stopDelayMs ?? 0;
  const queue: Item[] = [];
  let seq = 0;
  const push = (at: number, event: SchedulerEvent, tag: string | null = null) => queue.push({ at, seq: seq++, event, tag });
  const drop = (tag: string) => {
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]?.tag === tag) queue.splice(i, 1);
  };
  const spans: Span[] = [];
  const commands: { at: number; command: SchedulerCommand }[] = [];
  const running = new Set<string>();
  let maxRunning = 0;
  let runStatus: RunStatus | null = null;
  let finishedAt: number | null = null;
  let state = createScheduler(jobs, options);

  const apply = (event: SchedulerEvent, at: number) => {
    if (event.type === "job-finished") {
      running.delete(`${event.id}#${event.attempt}`);
      const span = spans.find((s) => s.id === event.id && s.attempt === event.attempt);
      if (span !== undefined) Object.assign(span, { end: at, outcome: event.outcome });
    }
    const result = advance(state, event, at);
    state = result.state;
    for (const command of result.commands) {
      commands.push({ at, command });
      perform(command, at);
    }
  };

  const perform = (command: SchedulerCommand, at: number) => {
    switch (command.type) {
      case "start-job": {
        const tag = `${command.id}#${command.attempt}`;
        running.add(tag);
        maxRunning = Math.max(maxRunning, running.size);
        spans.push({ id: command.id, attempt: command.attempt, start: at, end: null, outcome: null });
        const script = attemptScript(scripts[command.id], command.attempt);
        if (Number.isFinite(script.ms)) {
          const outcome = script.outcome ?? "success";
          const exitCode = script.exitCode ?? (outcome === "failed" ? 1 : outcome === "success" ? 0 : null);
          const base = { type: "job-finished", id: command.id, attempt: command.attempt, outcome, exitCode } as const;
          const extra = { ...(script.message === undefined ? {} : { message: script.message }), ...(script.outputs === undefined ? {} : { outputs: script.outputs }), ...(script.retryable === undefined ? {} : { retryable: script.retryable }) };
          push(at + script.ms, { ...base, ...extra }, tag);
        }
        break;
      }
      case "stop-job": {
        const tag = `${command.id}#${command.attempt}`;
        drop(tag);
        const outcome = command.reason === "timeout" ? "timed-out" : "cancelled";
        push(at + stopDelay, { type: "job-finished", id: command.id, attempt: command.attempt, outcome, exitCode: null }, tag);
        break;
      }
      case "set-timer":
        drop(`timer:${command.key}`);
        push(command.at, { type: "timer", key: command.key }, `timer:${command.key}`);
        break;
      case "clear-timer":
        drop(`timer:${command.key}`);
        break;
      case "run-finished":
        runStatus = command.status;
        finishedAt = at;
        break;
      case "job-status":
        break;
    }
  };

  apply({ type: "start" }, 0);
  for (const external of driveOptions.events ?? []) push(external.at, external.event);
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > 100_000) throw new Error("driver: the run does not terminate");
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const item = queue.shift() as Item;
    apply(item.event, item.at);
  }
  const statuses = Object.fromEntries(Object.entries(state.jobs).map(([id, job]) => [id, job.status]));
  return { state, spans, commands, runStatus, finishedAt, maxRunning, statuses };
}

function attemptScript(script: JobScript | undefined, attempt: number): AttemptScript {
  if (script === undefined) return { ms: 10 };
  if (typeof script === "number") return { ms: script };
  const entry = script[Math.min(attempt, script.length) - 1] ?? 10;
  return typeof entry === "number" ? { ms: entry } : entry;
}

/* ---------------------------------------------------------------- fixtures */

export interface JobOverrides {
  readonly if?: string;
  readonly allowFailure?: boolean;
  readonly retry?: Partial<Omit<Retry, "backoff">> & { backoff?: Partial<Retry["backoff"]> };
  readonly timeoutMs?: number;
  readonly matrix?: Record<string, string | number | boolean>;
  readonly approval?: Approval;
}

export function job(id: string, needs: readonly string[] = [], over: JobOverrides = {}): SchedulerJob {
  const parsed = parseExpression(unwrapTemplate(over.if ?? "success()"));
  if (!parsed.ok) throw new Error(`bad condition in test: ${parsed.message}`);
  const { backoff, ...retry } = over.retry ?? {};
  return {
    id,
    needs,
    condition: parsed.expr,
    allowFailure: over.allowFailure ?? false,
    retry: {
      max: 0,
      on: ["exit-code", "timeout", "infrastructure"],
      exitCodes: [],
      ...retry,
      backoff: { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: false, ...backoff },
    },
    timeoutMs: over.timeoutMs ?? 3_600_000,
    matrix: over.matrix ?? {},
    approval: over.approval ?? null,
  };
}

export function options(over: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    concurrency: 16,
    failFast: false,
    pipelineTimeoutMs: null,
    random: () => 0.5,
    context: {
      env: { CI: "true" },
      vars: { DEPLOY: "yes" },
      git: { branch: "main", sha: "abc123", tag: null },
      pipeline: { name: "ci" },
      run: { id: "run-1" },
    },
    ...over,
  };
}

/** A seeded PRNG: the same seed gives the same sequence in [0, 1) (the bench generators' mulberry32). */
export const seeded = mulberry32;

/** Start and end of a job's only (or given) attempt. */
export function spanOf(result: DriveResult, id: string, attempt = 1): Span {
  const span = result.spans.find((s) => s.id === id && s.attempt === attempt);
  if (span === undefined) throw new Error(`job ${id} attempt ${attempt} never started`);
  return span;
}

export function commandsOf<T extends SchedulerCommand["type"]>(result: DriveResult, type: T): { at: number; command: Extract<SchedulerCommand, { type: T }> }[] {
  return result.commands.filter((c): c is { at: number; command: Extract<SchedulerCommand, { type: T }> } => c.command.type === type);
}
