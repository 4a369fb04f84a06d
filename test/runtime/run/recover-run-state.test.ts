import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../runtime/run/events.ts";
import { killedRunNote, stateFromEvents } from "../../../runtime/run/recover-run-state.ts";

const base = { time: "2026-01-01T00:00:00.000Z", runId: "r1" };
const started: RunEvent = { ...base, type: "run.started", pipeline: "p", digest: "sha256:x", executor: "local", concurrency: 2, jobs: ["a", "b", "c"], resumedFrom: null };
const finished = (job: string, status: "success" | "failed", outputs?: Record<string, string>): RunEvent => ({
  ...base,
  type: "job.finished",
  job,
  status,
  attempts: 1,
  durationMs: 5,
  exitCode: status === "success" ? 0 : 2,
  reason: null,
  ...(outputs ? { outputs } : {}),
});

describe("stateFromEvents", () => {
  it("tells a killed run's state from its events: the jobs that ended, with their outputs; the run still running", () => {
    const state = stateFromEvents("r1", [started, finished("a", "success", { dist: "sha256:abc" }), { ...base, type: "job.started", job: "b", attempt: 1 }]);
    expect(state).toEqual({
      runId: "r1",
      pipeline: "p",
      status: "running",
      startedAt: base.time,
      finishedAt: null,
      resumedFrom: null,
      jobs: { a: { status: "success", attempts: 1, durationMs: 5, exitCode: 0, reason: null, outputs: { dist: "sha256:abc" } } },
    });
  });

  it("takes how the run ended from run.finished (a state.json that a full disk kept out)", () => {
    const end: RunEvent = { ...base, time: "2026-01-01T00:00:09.000Z", type: "run.finished", status: "failed", reason: null, durationMs: 9000, criticalPath: [], criticalPathMs: 0 };
    const state = stateFromEvents("r1", [started, finished("a", "success"), finished("b", "failed"), end]);
    expect(state).toMatchObject({ status: "failed", finishedAt: end.time, jobs: { a: { status: "success", outputs: {} }, b: { status: "failed", exitCode: 2 } } });
  });

  it("is null without run.started (nothing to tell)", () => {
    expect(stateFromEvents("r1", [])).toBeNull();
  });
});

describe("killedRunNote", () => {
  it.each([
    [[], "run r1 was killed (pipec's process disappeared) before any job succeeded; pipec run --resume r1 continues it"],
    [[finished("a", "success")], "run r1 was killed (pipec's process disappeared) after job a succeeded; pipec run --resume r1 continues it"],
    [[finished("a", "success"), finished("b", "failed"), finished("c", "success")], "run r1 was killed (pipec's process disappeared) after jobs a, c succeeded; pipec run --resume r1 continues it"],
  ])("says what succeeded and how to go on (%#)", (events, note) => {
    expect(killedRunNote("r1", stateFromEvents("r1", [started, ...events])!)).toBe(note);
  });
});
