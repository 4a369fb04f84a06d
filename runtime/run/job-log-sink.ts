/** Where a job's output goes: masked, into its log file, and line by line into `job.log` events. */
import type { LogStream, StepEvent } from "../executor/types.ts";
import type { Job } from "../plan/schema.ts";
import type { RunEventDraft } from "./events.ts";
import { createLineSplitter } from "./line-splitter.ts";
import type { Masker } from "./mask.ts";
import type { RunStore } from "./run-store.ts";

export function createJobLogSink(input: { readonly job: Job; readonly jobId: string; readonly masker: Masker; readonly store: RunStore; readonly emit: (event: RunEventDraft) => void }) {
  const { job, jobId, masker, store, emit } = input;
  const writers = new Map<string, { mask: ReturnType<Masker["stream"]>; lines: ReturnType<typeof createLineSplitter> }>();
  const writer = (stream: LogStream, step: number) => {
    const key = `${step}:${stream}`;
    let w = writers.get(key);
    if (!w) {
      w = { mask: masker.stream(), lines: createLineSplitter((text) => emit({ type: "job.log", job: jobId, step, stream, text })) };
      writers.set(key, w);
    }
    return w;
  };
  const flush = (step: number) => {
    for (const stream of ["stdout", "stderr"] as const) {
      const w = writers.get(`${step}:${stream}`);
      if (!w) continue;
      const rest = w.mask.flush();
      store.appendLog(jobId, rest);
      w.lines.push(rest);
      w.lines.flush();
      writers.delete(`${step}:${stream}`);
    }
  };
  return {
    onLog(stream: LogStream, chunk: Buffer, step: number): void {
      const w = writer(stream, step);
      const masked = w.mask.push(chunk);
      store.appendLog(jobId, masked);
      w.lines.push(masked);
    },
    onStep(event: StepEvent): void {
      const name = job.steps[event.step]?.name ?? `step-${event.step + 1}`;
      if (event.type === "started") {
        // The step's name may be its command cut short for the console; the log keeps the whole command.
        const command = (job.steps[event.step]?.run ?? "").split("\n").filter((line) => line.trim() !== "").map((line) => `$ ${line}\n`).join("");
        store.appendLog(jobId, `--- step ${event.step + 1}: ${name}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}\n${masker.text(command)}`);
        emit({ type: "step.started", job: jobId, step: event.step, name, attempt: event.attempt });
      } else if (event.type === "skipped") {
        emit({ type: "step.finished", job: jobId, step: event.step, name, status: "skipped", exitCode: null, durationMs: 0 });
      } else {
        flush(event.step);
        emit({ type: "step.finished", job: jobId, step: event.step, name, status: event.status, exitCode: event.exitCode, durationMs: event.durationMs });
      }
    },
  };
}
