/**
 * Builds JobExecutions for executor tests and records what the executor reports: output per
 * stream and step (as bytes), step events, and when chunks arrived.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobSchema, type JobInput } from "../../../runtime/plan/schema.ts";
import type { Executor, JobExecution, JobOutcome, LogStream, ResolvedService, ResolvedStep, StepEvent } from "../../../runtime/executor/index.ts";

export interface StepOptions extends Partial<Omit<ResolvedStep, "shouldRun" | "run" | "env">> {
  readonly run: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly shouldRun?: (anEarlierStepFailed: boolean) => boolean;
}

export interface JobOptions {
  readonly steps: readonly StepOptions[];
  readonly services?: readonly ResolvedService[];
  readonly image?: string | null;
  readonly job?: Partial<JobInput>;
  readonly workspace: string;
  readonly runId: string;
  readonly jobId?: string;
  readonly signal?: AbortSignal;
  readonly stopGraceMs?: number;
  /** The environment every step starts from (PATH and the like). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly onLog?: (stream: LogStream, chunk: Buffer, step: number) => void;
  readonly onStep?: (event: StepEvent) => void;
}

export interface Recording {
  readonly outcome: JobOutcome;
  readonly events: StepEvent[];
  /** All output of a stream, or of one step's stream. */
  output(stream: LogStream, step?: number): Buffer;
  text(stream: LogStream, step?: number): string;
  readonly elapsedMs: number;
}

export function step(options: StepOptions, index: number): ResolvedStep {
  const { shouldRun, env, ...rest } = options;
  return {
    index,
    name: `step-${index}`,
    image: null,
    workingDirectory: ".",
    timeoutMs: null,
    continueOnFailure: false,
    retries: 0,
    retryOn: [],
    ...rest,
    env: { ...env },
    shouldRun: shouldRun ?? ((failed) => !failed),
  };
}

export async function runJob(executor: Executor, options: JobOptions): Promise<Recording> {
  const chunks: { stream: LogStream; step: number; chunk: Buffer }[] = [];
  const events: StepEvent[] = [];
  const image = options.image === undefined ? null : options.image;
  const execution: JobExecution = {
    runId: options.runId,
    pipeline: "test",
    jobId: options.jobId ?? "job",
    job: JobSchema.parse({ name: options.jobId ?? "job", image, ...options.job }),
    attempt: 1,
    image,
    steps: options.steps.map((s, index) => step({ ...s, env: { ...options.baseEnv, ...s.env } }, index)),
    services: options.services ?? [],
    workspace: options.workspace,
    signal: options.signal ?? new AbortController().signal,
    stopGraceMs: options.stopGraceMs ?? 2_000,
    onLog(stream, chunk, index) {
      if (options.onLog) options.onLog(stream, chunk, index);
      else chunks.push({ stream, step: index, chunk });
    },
    onStep(event) {
      events.push(event);
      options.onStep?.(event);
    },
  };
  const started = performance.now();
  const outcome = await executor.runJob(execution);
  const elapsedMs = performance.now() - started;
  const output = (stream: LogStream, index?: number) =>
    Buffer.concat(chunks.filter((c) => c.stream === stream && (index === undefined || c.step === index)).map((c) => c.chunk));
  return { outcome, events, elapsedMs, output, text: (stream, index) => output(stream, index).toString("utf8") };
}

export async function tempWorkspace(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-exec-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The step events as compact strings: `0:started#1`, `0:finished#1:success:0`, `2:skipped`. */
export function eventTrail(events: readonly StepEvent[]): string[] {
  return events.map((event) => {
    if (event.type === "skipped") return `${event.step}:skipped`;
    if (event.type === "started") return `${event.step}:started#${event.attempt}`;
    return `${event.step}:finished#${event.attempt}:${event.status}:${event.exitCode}`;
  });
}
