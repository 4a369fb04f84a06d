import { describe, expect, it } from "vitest";
import { timedDag } from "../../bench/run-dag.ts";
import { RunEventsError, dispatchGapsMs, jobOverheadsMs, medianOf, parseRunEvents, peakConcurrency } from "../../bench/run-events.ts";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const line = (event: Record<string, unknown>): string => JSON.stringify({ runId: "r1", ...event });

/** a (0-700 ms), then b (702-2000) and c (705-1500) after it. */
const stdout = [
  line({ type: "run.started", time: at(0), pipeline: "t", jobs: ["a", "b", "c"] }),
  line({ type: "job.started", job: "a", attempt: 1, time: at(0) }),
  line({ type: "job.log", job: "a", step: 0, stream: "stdout", text: "hi\n", time: at(5) }),
  line({ type: "job.finished", job: "a", status: "success", attempts: 1, durationMs: 700, time: at(700) }),
  line({ type: "job.started", job: "b", attempt: 1, time: at(702) }),
  line({ type: "job.started", job: "c", attempt: 1, time: at(705) }),
  line({ type: "job.finished", job: "c", status: "success", attempts: 1, durationMs: 795, time: at(1500) }),
  line({ type: "job.finished", job: "b", status: "success", attempts: 1, durationMs: 1298, time: at(2000) }),
  "not json",
  line({ type: "run.finished", status: "success", durationMs: 2100, criticalPath: ["a", "b"], criticalPathMs: 1998, time: at(2010) }),
].join("\n");

const dag = timedDag("t", [
  { name: "a", seconds: 0.5 },
  { name: "b", seconds: 1, needs: ["a"] },
  { name: "c", seconds: 0.5, needs: ["a"] },
]);

describe("parseRunEvents", () => {
  it("reads the run span and each job's times relative to run.started", () => {
    const timeline = parseRunEvents(stdout);
    expect(timeline.status).toBe("success");
    expect(timeline.runMs).toBe(2010);
    expect(timeline.criticalPath).toEqual(["a", "b"]);
    expect(timeline.jobs.get("c")).toEqual({ job: "c", status: "success", startMs: 705, endMs: 1500, durationMs: 795 });
    expect([...timeline.jobs.keys()].sort()).toEqual(["a", "b", "c"]);
  });

  it("a retried job starts at its last attempt", () => {
    const retried = [
      line({ type: "run.started", time: at(0) }),
      line({ type: "job.started", job: "a", attempt: 1, time: at(0) }),
      line({ type: "job.started", job: "a", attempt: 2, time: at(400) }),
      line({ type: "job.finished", job: "a", status: "success", durationMs: 900, time: at(900) }),
      line({ type: "run.finished", status: "success", time: at(901) }),
    ].join("\n");
    expect(parseRunEvents(retried).jobs.get("a")).toMatchObject({ startMs: 400, endMs: 900, durationMs: 900 });
  });

  it("fails when the run did not start or finish", () => {
    expect(() => parseRunEvents("")).toThrow(RunEventsError);
    expect(() => parseRunEvents(line({ type: "run.started", time: at(0) }))).toThrow(/no run.finished/);
  });
});

describe("derived figures", () => {
  const timeline = parseRunEvents(stdout);

  it("job overheads: time over the sleep", () => {
    expect(jobOverheadsMs(timeline, dag)).toEqual([200, 298, 295]);
  });

  it("dispatch gaps: from the last need's end (or the run's start) to the job's start", () => {
    expect(dispatchGapsMs(timeline, dag)).toEqual([
      { job: "a", gapMs: 0 },
      { job: "b", gapMs: 2 },
      { job: "c", gapMs: 5 },
    ]);
  });

  it("peak concurrency counts overlapping spans, not back-to-back ones", () => {
    expect(peakConcurrency(timeline)).toBe(2);
    const chain = parseRunEvents(
      [
        line({ type: "run.started", time: at(0) }),
        line({ type: "job.started", job: "a", time: at(0) }),
        line({ type: "job.finished", job: "a", status: "success", durationMs: 10, time: at(10) }),
        line({ type: "job.started", job: "b", time: at(10) }),
        line({ type: "job.finished", job: "b", status: "success", durationMs: 10, time: at(20) }),
        line({ type: "run.finished", status: "success", time: at(20) }),
      ].join("\n"),
    );
    expect(peakConcurrency(chain)).toBe(1);
  });

  it.each([
    { values: [], median: Number.NaN },
    { values: [3], median: 3 },
    { values: [5, 1, 3], median: 3 },
    { values: [4, 1, 3, 2], median: 2.5 },
  ])("medianOf($values) = $median", ({ values, median }) => {
    expect(medianOf(values)).toBe(median);
  });
});
