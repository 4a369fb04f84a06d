/** The shared step semantics, with a scripted runner instead of processes or containers. */
import { describe, expect, it } from "vitest";
import { JobSchema } from "../../../runtime/plan/schema.ts";
import { STEP_TIMEOUT, runSteps, type StepAttemptResult } from "../../../runtime/executor/step-loop.ts";
import { formatBytes, formatDuration } from "../../../runtime/executor/step-messages.ts";
import type { JobExecution, JobOutcome, StepEvent } from "../../../runtime/executor/index.ts";
import { eventTrail, step, type StepOptions } from "./harness.ts";

/** Each step's attempts, in order; a step without script succeeds. */
type Script = Record<number, StepAttemptResult[]>;

async function loop(steps: StepOptions[], script: Script, signal = new AbortController().signal): Promise<{ outcome: JobOutcome; trail: string[] }> {
  const events: StepEvent[] = [];
  const execution: JobExecution = {
    runId: "r",
    pipeline: "p",
    jobId: "j",
    job: JobSchema.parse({ name: "j" }),
    attempt: 1,
    image: null,
    steps: steps.map((options, index) => step({ name: `s${index}`, ...options }, index)),
    services: [],
    workspace: "/nowhere",
    signal,
    stopGraceMs: 0,
    onLog: () => {},
    onStep: (event) => events.push(event),
  };
  const outcome = await runSteps(execution, async (resolved, stepSignal) => {
    const next = script[resolved.index]?.shift() ?? { kind: "exited", exitCode: 0 };
    if (next.kind === "stopped") {
      // A runner stops when its signal fires: wait for the step timeout.
      await new Promise((resolve) => stepSignal.addEventListener("abort", resolve, { once: true }));
      expect(stepSignal.reason).toBe(STEP_TIMEOUT);
    }
    return next;
  });
  return { outcome, trail: eventTrail(events) };
}

const infra = (message: string): StepAttemptResult => ({ kind: "infrastructure", message });
const exit = (exitCode: number): StepAttemptResult => ({ kind: "exited", exitCode });

describe("runSteps", () => {
  it("ends the job at an infrastructure failure, even with continueOnFailure and always() steps after it", async () => {
    const { outcome, trail } = await loop([{ run: "a", continueOnFailure: true }, { run: "b", shouldRun: () => true }], { 0: [infra("container lost")] });
    expect(outcome).toEqual({ outcome: "infrastructure-error", message: 'step "s0": container lost' });
    expect(trail).toEqual(["0:started#1", "0:finished#1:failed:null"]);
  });

  it("retries infrastructure failures when asked to", async () => {
    const { outcome, trail } = await loop([{ run: "a", retries: 1, retryOn: ["infrastructure"] }], { 0: [infra("engine hiccup")] });
    expect(outcome).toEqual({ outcome: "success" });
    expect(trail).toEqual(["0:started#1", "0:finished#1:failed:null", "0:started#2", "0:finished#2:success:0"]);
  });

  it("retries step timeouts when asked to, and names the attempts when all fail", async () => {
    const { outcome } = await loop([{ run: "a", timeoutMs: 5, retries: 1, retryOn: ["timeout"] }], { 0: [{ kind: "stopped" }, { kind: "stopped" }] });
    expect(outcome).toEqual({ outcome: "timed-out", step: 0, message: 'step "s0" timed out after 5ms (2 attempts)' });
  });

  it("says how many attempts a failing step had", async () => {
    const { outcome } = await loop([{ run: "a", retries: 2, retryOn: ["exit-code"] }], { 0: [exit(1), exit(1), exit(2)] });
    expect(outcome).toEqual({ outcome: "failed", exitCode: 2, step: 0, message: 'step "s0" failed after 3 attempts with exit code 2' });
  });

  it("never retries a step that could not run", async () => {
    const { outcome, trail } = await loop([{ run: "a", retries: 3, retryOn: ["exit-code", "timeout", "infrastructure"] }], {
      0: [{ kind: "not-run", message: 'step "s0" has no image' }],
    });
    expect(outcome).toEqual({ outcome: "failed", exitCode: 1, step: 0, message: 'step "s0" has no image' });
    expect(trail).toHaveLength(2);
  });

  it("keeps the first failure when a cleanup step fails too", async () => {
    const { outcome } = await loop([{ run: "a" }, { run: "cleanup", shouldRun: () => true }], { 0: [exit(3)], 1: [exit(4)] });
    expect(outcome).toMatchObject({ outcome: "failed", exitCode: 3, step: 0 });
  });

  it("does not count a continueOnFailure failure or timeout as a failure for later steps", async () => {
    const asked: boolean[] = [];
    const { outcome } = await loop(
      [
        { run: "a", continueOnFailure: true },
        { run: "b", continueOnFailure: true, timeoutMs: 5 },
        { run: "c", shouldRun: (failed) => (asked.push(failed), !failed) },
      ],
      { 0: [exit(9)], 1: [{ kind: "stopped" }] },
    );
    expect(asked).toEqual([false]);
    expect(outcome).toEqual({ outcome: "success" });
  });

  it("runs no further step once the job is aborted between steps", async () => {
    const controller = new AbortController();
    const { outcome, trail } = await loop(
      [{ run: "a", shouldRun: () => (controller.abort("timeout"), true) }, { run: "b" }],
      {},
      controller.signal,
    );
    // The scripted step 0 ignores its aborted signal and succeeds; step 1 never starts.
    expect(outcome).toEqual({ outcome: "timed-out", step: null, message: "job timed out" });
    expect(trail).toEqual(["0:started#1", "0:finished#1:success:0"]);
  });
});

describe("messages", () => {
  it.each([
    [250, "250ms"],
    [1500, "1.5s"],
    [60_000, "1m"],
    [90_000, "1m30s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [12, "12 bytes"],
    [16 * 1024 * 1024, "16 MiB"],
    [1.5 * 1024 ** 3, "1.5 GiB"],
  ])("formats %d bytes as %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
