import { describe, expect, it } from "vitest";
import { advance, backoffDelayMs, createScheduler } from "../../../runtime/scheduler/index.ts";
import { commandsOf, drive, job, options, spanOf, type AttemptScript } from "./driver.ts";

const failed = (exitCode = 1, ms = 10): AttemptScript => ({ ms, outcome: "failed", exitCode });
const timeline = (result: ReturnType<typeof drive>) => result.spans.map((s) => `${s.id}#${s.attempt} ${s.start}-${s.end} ${s.outcome}`);

describe("backoffDelayMs", () => {
  const backoff = { initialMs: 100, factor: 2, maxMs: 250, jitter: false };
  it.each([
    [1, 100],
    [2, 200],
    [3, 250],
    [9, 250],
  ])("attempt %i waits %i ms without jitter", (attempt, ms) => {
    expect(backoffDelayMs(backoff, attempt, () => 0.99)).toBe(ms);
  });

  it("draws a whole number of ms in [0, step) with full jitter", () => {
    const jittered = { ...backoff, jitter: true };
    expect(backoffDelayMs(jittered, 2, () => 0.25)).toBe(50);
    expect(backoffDelayMs(jittered, 2, () => 0)).toBe(0);
    expect(backoffDelayMs(jittered, 3, () => 0.999999)).toBe(249);
  });
});

describe("retries", () => {
  it("retries failed attempts with exponential backoff and records every attempt", () => {
    const jobs = [job("a", [], { retry: { max: 3, backoff: { initialMs: 100, factor: 2, maxMs: 250 } } })];
    const result = drive(jobs, options(), { scripts: { a: [failed(), failed(), failed(), 10] } });
    expect(timeline(result)).toEqual(["a#1 0-10 failed", "a#2 110-120 failed", "a#3 320-330 failed", "a#4 580-590 success"]);
    expect(commandsOf(result, "set-timer").filter((c) => c.command.key.startsWith("retry:"))).toEqual([
      { at: 10, command: { type: "set-timer", key: "retry:a:1", at: 110 } },
      { at: 120, command: { type: "set-timer", key: "retry:a:2", at: 320 } },
      { at: 330, command: { type: "set-timer", key: "retry:a:3", at: 580 } },
    ]);
    expect(result.state.jobs.a?.attempts).toEqual([
      { attempt: 1, startedAt: 0, endedAt: 10, outcome: "failed", exitCode: 1, message: null },
      { attempt: 2, startedAt: 110, endedAt: 120, outcome: "failed", exitCode: 1, message: null },
      { attempt: 3, startedAt: 320, endedAt: 330, outcome: "failed", exitCode: 1, message: null },
      { attempt: 4, startedAt: 580, endedAt: 590, outcome: "success", exitCode: 0, message: null },
    ]);
    const retrying = commandsOf(result, "job-status").find((c) => c.command.status === "retrying");
    expect(retrying?.command).toEqual({ type: "job-status", id: "a", status: "retrying", attempt: 1, reason: "exited with code 1; attempt 2 of 4 in 100 ms" });
    expect(result.runStatus).toBe("success");
  });

  it("uses the injected random source for jitter", () => {
    const jobs = [job("a", [], { retry: { max: 2, backoff: { initialMs: 100, jitter: true } } })];
    const result = drive(jobs, options({ random: () => 0.25 }), { scripts: { a: [failed(), failed(), 10] } });
    expect(timeline(result)).toEqual(["a#1 0-10 failed", "a#2 35-45 failed", "a#3 95-105 success"]);
  });

  it("never retries an attempt the executor calls not retryable (an image that does not exist), whatever retry says", () => {
    const jobs = [job("a", [], { retry: { max: 3, backoff: { initialMs: 5 } } }), job("b", ["a"])];
    const missing: AttemptScript = { ms: 10, outcome: "infrastructure-error", message: 'image "nope:1" is not available locally', retryable: false };
    const result = drive(jobs, options(), { scripts: { a: [missing, 10] } });
    expect(timeline(result)).toEqual(["a#1 0-10 infrastructure-error"]);
    expect(result.statuses).toEqual({ a: "failed", b: "skipped" });
  });

  it("fails for good when the attempts are used up", () => {
    const jobs = [job("a", [], { retry: { max: 1, backoff: { initialMs: 5 } } }), job("b", ["a"])];
    const result = drive(jobs, options(), { scripts: { a: [failed(3)] } });
    expect(result.statuses).toEqual({ a: "failed", b: "skipped" });
    expect(result.state.jobs.a?.reason).toBe("exited with code 3 (after 2 attempts)");
    expect(result.state.jobs.a?.attempts).toHaveLength(2);
  });

  it("retries only the listed exit codes", () => {
    const jobs = [job("transient", [], { retry: { max: 2, exitCodes: [75], backoff: { initialMs: 5 } } }), job("broken", [], { retry: { max: 2, exitCodes: [75] } })];
    const result = drive(jobs, options(), { scripts: { transient: [failed(75), 10], broken: [failed(1)] } });
    expect(result.statuses).toEqual({ transient: "success", broken: "failed" });
    expect(timeline(result).filter((line) => line.startsWith("broken"))).toEqual(["broken#1 0-10 failed"]);
  });

  it("does not retry a class missing from retry.on", () => {
    const jobs = [job("a", [], { retry: { max: 3, on: ["infrastructure"] } })];
    const result = drive(jobs, options(), { scripts: { a: [failed()] } });
    expect(result.statuses).toEqual({ a: "failed" });
    expect(result.spans).toHaveLength(1);
  });

  it("retries infrastructure errors, and counts a stop pipec did not ask for as one", () => {
    const jobs = [job("a", [], { retry: { max: 2, on: ["infrastructure"], backoff: { initialMs: 5 } } })];
    const result = drive(jobs, options(), {
      scripts: { a: [{ ms: 10, outcome: "infrastructure-error", message: "container vanished" }, { ms: 10, outcome: "cancelled" }, 10] },
    });
    expect(timeline(result)).toEqual(["a#1 0-10 infrastructure-error", "a#2 15-25 cancelled", "a#3 35-45 success"]);
  });

  it("stops an attempt at its deadline, records it timed out, and retries it when timeout is in retry.on", () => {
    const jobs = [job("a", [], { timeoutMs: 1000, retry: { max: 1, on: ["timeout"], backoff: { initialMs: 500 } } })];
    const result = drive(jobs, options(), { scripts: { a: [Number.POSITIVE_INFINITY, 10] }, stopDelayMs: 20 });
    expect(commandsOf(result, "stop-job")).toEqual([{ at: 1000, command: { type: "stop-job", id: "a", attempt: 1, reason: "timeout" } }]);
    expect(timeline(result)).toEqual(["a#1 0-1020 timed-out", "a#2 1520-1530 success"]);
    expect(result.runStatus).toBe("success");
  });

  it("ends timed-out when timeouts are not retried, even if the executor reports the kill as a failure", () => {
    const jobs = [job("a", [], { timeoutMs: 1000, retry: { max: 3, on: ["exit-code"] } })];
    let { state } = advance(createScheduler(jobs, options()), { type: "start" }, 0);
    const stop = advance(state, { type: "timer", key: "timeout:a:1" }, 1000);
    expect(stop.commands).toEqual([{ type: "stop-job", id: "a", attempt: 1, reason: "timeout" }]);
    state = stop.state;
    const end = advance(state, { type: "job-finished", id: "a", attempt: 1, outcome: "failed", exitCode: 137 }, 1010);
    expect(end.state.jobs.a?.status).toBe("timed-out");
    expect(end.state.jobs.a?.reason).toBe("timed out after 1000 ms");
    expect(end.state.jobs.a?.attempts[0]).toMatchObject({ outcome: "failed", exitCode: 137 });
    expect(end.commands.at(-1)).toEqual({ type: "run-finished", status: "failed" });
  });

  it("waits for a free slot after the backoff", () => {
    const jobs = [job("a", [], { retry: { max: 1, backoff: { initialMs: 100 } } }), job("b")];
    const result = drive(jobs, options({ concurrency: 1 }), { scripts: { a: [failed(), 10], b: 500 } });
    expect(timeline(result)).toEqual(["a#1 0-10 failed", "b#1 10-510 success", "a#2 510-520 success"]);
    expect(spanOf(result, "a", 2).start).toBe(510);
  });
});
