import { describe, expect, it } from "vitest";
import { advance, createScheduler, criticalPath, runCriticalPath, type SchedulerJob, type SchedulerState } from "../../../runtime/scheduler/index.ts";
import { drive, job, options, spanOf, commandsOf } from "./driver.ts";

/** What a wave scheduler takes: each level of the DAG waits for the slowest job of the level before it. */
function waveMakespan(jobs: readonly SchedulerJob[], durations: Record<string, number>): number {
  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const needs = jobs.find((j) => j.id === id)?.needs ?? [];
    const value = needs.length === 0 ? 0 : 1 + Math.max(...needs.map(levelOf));
    level.set(id, value);
    return value;
  };
  const slowest = new Map<number, number>();
  for (const j of jobs) slowest.set(levelOf(j.id), Math.max(slowest.get(levelOf(j.id)) ?? 0, durations[j.id] ?? 0));
  return [...slowest.values()].reduce((a, b) => a + b, 0);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

describe("DAG scheduling", () => {
  it("runs a diamond in exactly its critical path time", () => {
    const jobs = [job("a"), job("b", ["a"]), job("c", ["a"]), job("d", ["b", "c"])];
    const durations = { a: 5, b: 30, c: 7, d: 4 };
    const result = drive(jobs, options(), { scripts: durations });
    expect(result.runStatus).toBe("success");
    expect(result.finishedAt).toBe(criticalPath(jobs, durations).totalMs);
    expect(result.finishedAt).toBe(39);
    expect(spanOf(result, "b").start).toBe(5);
    expect(spanOf(result, "c").start).toBe(5);
    expect(spanOf(result, "d").start).toBe(35);
  });

  it("starts a job the moment its own needs finish, beating a wave scheduler on uneven branches", () => {
    // a -> b(slow) -> d -> f and a -> c(fast) -> e(slow) -> f: a wave scheduler waits for b before e.
    const jobs = [job("a"), job("b", ["a"]), job("c", ["a"]), job("d", ["b"]), job("e", ["c"]), job("f", ["d", "e"])];
    const durations = { a: 1, b: 10, c: 2, d: 1, e: 8, f: 1 };
    const result = drive(jobs, options(), { scripts: durations });
    const cp = criticalPath(jobs, durations);
    expect(cp).toEqual({ path: ["a", "b", "d", "f"], totalMs: 13 });
    expect(result.finishedAt).toBe(cp.totalMs);
    expect(spanOf(result, "e").start).toBe(3);
    expect(waveMakespan(jobs, durations)).toBe(20);
    expect(result.finishedAt).toBeLessThan(waveMakespan(jobs, durations));
  });

  it("never runs more than `concurrency` jobs and keeps every slot busy while work is ready", () => {
    const jobs = ["a", "b", "c", "d", "e", "f", "g"].map((id) => job(id));
    const result = drive(jobs, options({ concurrency: 3 }), { scripts: { a: 10, b: 20, c: 30, d: 10, e: 10, f: 10, g: 10 } });
    expect(result.maxRunning).toBe(3);
    // At every instant the number of open spans is at most 3.
    for (const t of result.spans.map((s) => s.start)) {
      const open = result.spans.filter((s) => s.start <= t && (s.end === null || s.end > t)).length;
      expect(open).toBeLessThanOrEqual(3);
    }
    expect(result.finishedAt).toBe(40);
  });

  it("starts ready jobs by longest remaining path first, ties by id", () => {
    // With one slot, the long chain goes first even though 'a' sorts earlier; then equal
    // remaining paths (a, b, z3: one job each) go by id.
    const jobs = [job("a"), job("b"), job("z1"), job("z2", ["z1"]), job("z3", ["z2"])];
    const result = drive(jobs, options({ concurrency: 1 }));
    expect(result.spans.map((s) => s.id)).toEqual(["z1", "z2", "a", "b", "z3"]);
  });

  it("uses duration estimates for priority when given", () => {
    const jobs = [job("short"), job("long"), job("tail", ["short"])];
    const state = createScheduler(jobs, options({ concurrency: 1, estimatesMs: { short: 1, long: 100, tail: 1 } }));
    expect(state.graph.order.map((j) => j.id)).toEqual(["long", "short", "tail"]);
    expect(state.graph.priority).toEqual({ long: 100, short: 2, tail: 1 });
  });

  it("finishes an empty plan at once", () => {
    const { commands } = advance(createScheduler([], options()), { type: "start" }, 0);
    expect(commands).toEqual([{ type: "run-finished", status: "success" }]);
  });

  it("is pure: advancing never modifies the given state", () => {
    const jobs = [job("a"), job("b", ["a"])];
    let state: SchedulerState = deepFreeze(createScheduler(jobs, options()));
    const first = advance(state, { type: "start" }, 0);
    expect(advance(state, { type: "start" }, 0)).toEqual(first);
    state = deepFreeze(first.state);
    const next = advance(state, { type: "job-finished", id: "a", attempt: 1, outcome: "success", exitCode: 0 }, 10);
    expect(state.jobs.a?.status).toBe("running");
    expect(next.state.jobs.a?.status).toBe("success");
    expect(next.commands.filter((c) => c.type === "start-job")).toEqual([{ type: "start-job", id: "b", attempt: 1 }]);
  });

  it("emits status, deadline and start commands for each attempt, and clears timers at the end", () => {
    const result = drive([job("a", [], { timeoutMs: 5000 })], options({ pipelineTimeoutMs: 60_000 }), { scripts: { a: 10 } });
    expect(result.commands.map((c) => [c.at, c.command])).toEqual([
      [0, { type: "set-timer", key: "pipeline-timeout", at: 60_000 }],
      [0, { type: "job-status", id: "a", status: "ready", attempt: 0 }],
      [0, { type: "job-status", id: "a", status: "running", attempt: 1 }],
      [0, { type: "set-timer", key: "timeout:a:1", at: 5000 }],
      [0, { type: "start-job", id: "a", attempt: 1 }],
      [10, { type: "clear-timer", key: "timeout:a:1" }],
      [10, { type: "job-status", id: "a", status: "success", attempt: 1 }],
      [10, { type: "clear-timer", key: "pipeline-timeout" }],
      [10, { type: "run-finished", status: "success" }],
    ]);
  });

  it("ignores stale and late events", () => {
    let { state } = advance(createScheduler([job("a")], options()), { type: "start" }, 0);
    for (const event of [
      { type: "job-finished", id: "a", attempt: 2, outcome: "success", exitCode: 0 },
      { type: "job-finished", id: "nope", attempt: 1, outcome: "success", exitCode: 0 },
      { type: "timer", key: "retry:a:7" },
    ] as const) {
      const result = advance(state, event, 1);
      expect(result.commands).toEqual([]);
      state = result.state;
    }
    state = advance(state, { type: "job-finished", id: "a", attempt: 1, outcome: "success", exitCode: 0 }, 2).state;
    expect(state.phase).toBe("finished");
    expect(advance(state, { type: "cancel", reason: "interrupt" }, 3)).toEqual({ state, commands: [] });
  });

  it("resumes: jobs that succeeded before are not run again", () => {
    const jobs = [job("build"), job("test", ["build"]), job("lint"), job("deploy", ["test", "lint"])];
    const result = drive(jobs, options({ previous: { build: "success", lint: "success" } }));
    expect(result.spans.map((s) => s.id)).toEqual(["test", "deploy"]);
    expect(result.statuses).toEqual({ build: "success", test: "success", lint: "success", deploy: "success" });
    expect(commandsOf(result, "job-status").find((c) => c.command.id === "build")?.command.reason).toBe("succeeded in a previous run");
    expect(result.runStatus).toBe("success");
  });

  it("reports the measured critical path of a run", () => {
    const jobs = [job("a"), job("b", ["a"]), job("c", ["a"]), job("d", ["b", "c"])];
    const result = drive(jobs, options(), { scripts: { a: 5, b: 30, c: 7, d: 4 } });
    expect(runCriticalPath(result.state)).toEqual({ path: ["a", "b", "d"], totalMs: 39 });
  });
});
