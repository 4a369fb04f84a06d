import { describe, expect, it } from "vitest";
import { advance, createScheduler } from "../../../runtime/scheduler/index.ts";
import { commandsOf, drive, job, options, spanOf } from "./driver.ts";

const interrupt = (at: number) => ({ at, event: { type: "cancel", reason: "interrupt" } as const });

describe("fail-fast", () => {
  const jobs = [
    job("a"),
    job("b"),
    job("flaky", [], { retry: { max: 2, backoff: { initialMs: 1000 } } }),
    job("waiting"),
    job("c", ["b"]),
    job("cleanup", ["c"], { if: "always()" }),
    job("notify", ["a"], { if: "failure()" }),
    job("on-cancel", ["b"], { if: "cancelled()" }),
  ];
  const scripts = { a: [{ ms: 10, outcome: "failed" as const }], b: 100, flaky: [{ ms: 5, outcome: "failed" as const }] };

  it("cancels the rest at the first failure, sparing jobs that run after failures", () => {
    const result = drive(jobs, options({ failFast: true, concurrency: 3 }), { scripts, stopDelayMs: 5 });
    // flaky failed at 5 and waits for its retry, which freed the slot 'waiting' took.
    expect(spanOf(result, "waiting").start).toBe(5);
    expect(commandsOf(result, "stop-job")).toEqual([
      { at: 10, command: { type: "stop-job", id: "b", attempt: 1, reason: "cancel" } },
      { at: 10, command: { type: "stop-job", id: "waiting", attempt: 1, reason: "cancel" } },
    ]);
    expect(commandsOf(result, "clear-timer").map((c) => c.command.key)).toContain("retry:flaky:1");
    expect(result.statuses).toEqual({
      a: "failed",
      b: "cancelled",
      flaky: "cancelled",
      waiting: "cancelled",
      c: "cancelled",
      cleanup: "success",
      notify: "success",
      "on-cancel": "success",
    });
    expect(result.state.jobs.waiting?.reason).toBe('fail-fast: job "a" failed');
    expect(spanOf(result, "on-cancel").start).toBe(15);
    expect(result.runStatus).toBe("failed");
    expect(commandsOf(result, "run-finished")[0]?.command).toEqual({ type: "run-finished", status: "failed", reason: "fail-fast" });
  });

  it("lets independent work go on without fail-fast", () => {
    const result = drive(jobs, options({ concurrency: 3 }), { scripts });
    expect(result.statuses).toMatchObject({ a: "failed", b: "success", c: "success", waiting: "success", cleanup: "success", "on-cancel": "skipped" });
    expect(commandsOf(result, "stop-job")).toEqual([]);
  });

  it("ignores failures of allowFailure jobs", () => {
    const result = drive([job("a", [], { allowFailure: true }), job("b")], options({ failFast: true }), { scripts: { a: [{ ms: 10, outcome: "failed" }], b: 50 } });
    expect(result.statuses).toEqual({ a: "failed", b: "success" });
    expect(result.runStatus).toBe("success");
  });

  it("stops spared jobs too when an interrupt follows", () => {
    const spared = [job("a"), job("cleanup", [], { if: "always()" })];
    const result = drive(spared, options({ failFast: true }), { scripts: { a: [{ ms: 10, outcome: "failed" }], cleanup: 100 }, events: [interrupt(50)] });
    expect(commandsOf(result, "stop-job")).toEqual([{ at: 50, command: { type: "stop-job", id: "cleanup", attempt: 1, reason: "cancel" } }]);
    expect(result.statuses).toEqual({ a: "failed", cleanup: "cancelled" });
    expect(result.runStatus).toBe("cancelled");
  });
});

describe("cancel", () => {
  it("stops running jobs, cancels the others (always() included) and ends the run cancelled", () => {
    const jobs = [
      job("a"),
      job("b", ["a"]),
      job("c", ["b"]),
      job("queued"),
      job("retrying", [], { retry: { max: 1, backoff: { initialMs: 1000 } } }),
      job("cleanup", ["c"], { if: "always()" }),
    ];
    const result = drive(jobs, options({ concurrency: 3 }), {
      scripts: { a: 20, b: 100, queued: 10, retrying: [{ ms: 5, outcome: "failed" }] },
      events: [interrupt(50)],
      stopDelayMs: 7,
    });
    expect(commandsOf(result, "stop-job")).toEqual([{ at: 50, command: { type: "stop-job", id: "b", attempt: 1, reason: "cancel" } }]);
    expect(result.statuses).toEqual({ a: "success", b: "cancelled", c: "cancelled", queued: "success", retrying: "cancelled", cleanup: "cancelled" });
    expect(result.state.jobs.cleanup?.reason).toBe("run interrupted");
    expect(result.finishedAt).toBe(57);
    expect(commandsOf(result, "run-finished")[0]?.command).toEqual({ type: "run-finished", status: "cancelled", reason: "interrupt" });
  });

  it("does not retry a job that fails while the run is cancelled", () => {
    const jobs = [job("a", [], { retry: { max: 3 } })];
    let { state } = advance(createScheduler(jobs, options()), { type: "start" }, 0);
    state = advance(state, { type: "cancel", reason: "interrupt" }, 5).state;
    const end = advance(state, { type: "job-finished", id: "a", attempt: 1, outcome: "failed", exitCode: 143 }, 6);
    expect(end.state.jobs.a?.status).toBe("cancelled");
    expect(end.commands.at(-1)).toEqual({ type: "run-finished", status: "cancelled", reason: "interrupt" });
  });

  it("keeps the success of a job that finished before its stop took effect", () => {
    let { state } = advance(createScheduler([job("a")], options()), { type: "start" }, 0);
    state = advance(state, { type: "cancel", reason: "interrupt" }, 5).state;
    state = advance(state, { type: "job-finished", id: "a", attempt: 1, outcome: "success", exitCode: 0 }, 6).state;
    expect(state.jobs.a?.status).toBe("success");
    expect(state.status).toBe("cancelled");
  });

  it("cancels everything when cancelled before the start", () => {
    const { state, commands } = advance(createScheduler([job("a"), job("b", ["a"])], options()), { type: "cancel", reason: "interrupt" }, 0);
    expect(state.jobs.a?.status).toBe("cancelled");
    expect(state.jobs.b?.status).toBe("cancelled");
    expect(commands.filter((c) => c.type === "start-job")).toEqual([]);
    expect(commands.at(-1)).toEqual({ type: "run-finished", status: "cancelled", reason: "interrupt" });
  });

  it("stops the run at the pipeline deadline: the run failed, with reason timeout", () => {
    const jobs = [job("a"), job("b", ["a"]), job("c", ["b"])];
    const result = drive(jobs, options({ pipelineTimeoutMs: 100 }), { scripts: { a: 50, b: 200 }, stopDelayMs: 3 });
    expect(commandsOf(result, "stop-job")).toEqual([{ at: 100, command: { type: "stop-job", id: "b", attempt: 1, reason: "cancel" } }]);
    expect(result.statuses).toEqual({ a: "success", b: "cancelled", c: "cancelled" });
    expect(result.state.jobs.c?.reason).toBe("run timed out (pipeline timeout 100 ms)");
    expect(result.finishedAt).toBe(103);
    expect(commandsOf(result, "run-finished")[0]?.command).toEqual({ type: "run-finished", status: "failed", reason: "timeout" });
  });

  it("clears the pipeline deadline when the run ends first", () => {
    const result = drive([job("a")], options({ pipelineTimeoutMs: 100 }), { scripts: { a: 50 } });
    expect(commandsOf(result, "clear-timer").map((c) => [c.at, c.command.key])).toContainEqual([50, "pipeline-timeout"]);
    expect(result.runStatus).toBe("success");
  });
});
