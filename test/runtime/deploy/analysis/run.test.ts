import { describe, expect, it } from "vitest";
import {
  analysisWakeAt,
  concludeWaitingForData,
  isWaitingForData,
  recordSample,
  startAnalysisRun,
  takeDueMeasurements,
  terminateAnalysisRun,
  type AnalysisRun,
  type MetricSample,
} from "../../../../runtime/deploy/analysis/index.ts";
import { AnalysisSchema, type Analysis } from "../../../../runtime/plan/schema.ts";

/** s: successful, f: failed, i: inconclusive, e: provider error. */
type Outcome = "s" | "f" | "i" | "e";
const SAMPLES: Record<Outcome, MetricSample> = {
  s: { kind: "value", value: 1 },
  f: { kind: "value", value: 0 },
  i: { kind: "value", value: 0.5 },
  e: { kind: "error", message: "connect ECONNREFUSED" },
};

const metric = (name: string, extra: Record<string, unknown>) => ({
  name,
  provider: { kind: "http", url: "http://127.0.0.1:9/check" },
  successCondition: "result == 1",
  failureCondition: "result == 0",
  ...extra,
});

function analysisOf(...metrics: Record<string, unknown>[]): Analysis {
  return AnalysisSchema.parse({ metrics });
}

/** Drives a run on a fake clock: each due measurement gets the next scripted outcome of its metric. */
function drive(analysis: Analysis, scripts: Record<string, readonly Outcome[]>, maxSteps = 100): { run: AnalysisRun; times: Record<string, number[]> } {
  let run = startAnalysisRun("a-1", analysis, 0);
  const times: Record<string, number[]> = {};
  const used: Record<string, number> = {};
  let now = 0;
  for (let step = 0; step < maxSteps && run.phase === "Running"; step++) {
    const taken = takeDueMeasurements(run, now);
    run = taken.run;
    for (const due of taken.due) {
      const name = due.metric.name;
      const script = scripts[name] ?? [];
      const outcome = script[used[name] ?? 0];
      if (outcome === undefined) return { run, times };
      used[name] = (used[name] ?? 0) + 1;
      (times[name] ??= []).push(now);
      run = recordSample(run, name, SAMPLES[outcome], now).run;
    }
    const next = analysisWakeAt(run);
    if (next === null) break;
    now = next;
  }
  return { run, times };
}

describe("analysis run: limits", () => {
  it.each([
    ["one failure fails (failureLimit 0)", { count: 3, intervalMs: 1000 }, ["s", "f"], "Failed", 'result 0 matches failureCondition "result == 0"'],
    ["failures within failureLimit pass", { count: 3, intervalMs: 1000, failureLimit: 1 }, ["f", "s", "s"], "Successful", null],
    [
      "failures over failureLimit fail",
      { count: 3, intervalMs: 1000, failureLimit: 1 },
      ["f", "f"],
      "Failed",
      'result 0 matches failureCondition "result == 0" (2 of 2 measurements failed > failureLimit 1)',
    ],
    ["failureLimit -1 never fails", { count: 3, intervalMs: 1000, failureLimit: -1 }, ["f", "f", "f"], "Successful", null],
    ["one inconclusive (inconclusiveLimit 0)", { count: 3, intervalMs: 1000 }, ["i"], "Inconclusive", "meets neither"],
    ["inconclusives within inconclusiveLimit", { count: 3, intervalMs: 1000, inconclusiveLimit: 1 }, ["i", "s", "s"], "Successful", null],
    ["inconclusives over inconclusiveLimit", { count: 3, intervalMs: 1000, inconclusiveLimit: 1 }, ["s", "i", "i"], "Inconclusive", "(2 inconclusive > inconclusiveLimit 1)"],
    [
      "consecutive errors over the limit",
      { count: 2, intervalMs: 1000, consecutiveErrorLimit: 2 },
      ["e", "e", "e"],
      "Failed",
      "3 measurement errors in a row > consecutiveErrorLimit 2: connect ECONNREFUSED",
    ],
    ["errors that do not follow each other", { count: 2, intervalMs: 1000, consecutiveErrorLimit: 2 }, ["e", "e", "s", "e", "e", "s"], "Successful", null],
    ["failure decides before count", { count: 5, intervalMs: 1000, failureLimit: 0 }, ["f"], "Failed", "matches failureCondition"],
  ] as const)("%s", (_, extra, outcomes, phase, message) => {
    const { run } = drive(analysisOf(metric("check", extra)), { check: outcomes });
    expect(run.phase).toBe(phase);
    if (message !== null) expect(run.message).toContain(message);
    if (phase !== "Successful") expect(run.decisiveMetric).toBe("check");
  });

  it("counts every kind of measurement", () => {
    const { run } = drive(analysisOf(metric("check", { count: 3, intervalMs: 1000, failureLimit: 1, consecutiveErrorLimit: 4 })), { check: ["e", "f", "s", "s"] });
    expect(run.metrics[0]).toMatchObject({ phase: "Successful", taken: 3, successful: 2, failed: 1, errors: 1, consecutiveErrors: 0 });
    expect(run.metrics[0]?.message).toBe('3 measurements (2 successful, 1 failed); last: result 1 meets successCondition "result == 1"');
  });
});

describe("analysis run: scheduling", () => {
  it.each([
    ["single measurement", {}, ["s"], [0]],
    ["initialDelay, interval, count", { initialDelayMs: 10_000, intervalMs: 30_000, count: 3 }, ["s", "s", "s"], [10_000, 40_000, 70_000]],
    ["an error is retried after the interval", { intervalMs: 5000, count: 2 }, ["e", "s", "s"], [0, 5000, 10_000]],
    ["an error is retried after 10s without interval", {}, ["e", "s"], [0, 10_000]],
    ["count without interval measures back to back", { count: 3 }, ["s", "s", "s"], [0, 0, 0]],
  ] as const)("%s", (_, extra, outcomes, times) => {
    const { run, times: seen } = drive(analysisOf(metric("check", extra)), { check: outcomes });
    expect(seen.check).toEqual(times);
    expect(run.phase).toBe("Successful");
  });

  it("interval without count runs until terminated, which counts as success", () => {
    const { run } = drive(analysisOf(metric("check", { intervalMs: 1000 })), { check: ["s", "s", "s", "s", "s"] });
    expect(run.phase).toBe("Running");
    const ended = terminateAnalysisRun(run, "promoted");
    expect(ended).toMatchObject({ phase: "Successful", terminatedBy: "promoted" });
    expect(analysisWakeAt(ended)).toBeNull();
  });

  it("gives the window to aggregate over: windowMs, else intervalMs, else 60s", () => {
    const run = startAnalysisRun("a", analysisOf(metric("a", { windowMs: 5000, intervalMs: 1000, count: 2 }), metric("b", { intervalMs: 2000, count: 2 }), metric("c", {})), 0);
    expect(takeDueMeasurements(run, 0).due.map((d) => [d.metric.name, d.windowMs, d.at])).toEqual([
      ["a", 5000, 0],
      ["b", 2000, 0],
      ["c", 60_000, 0],
    ]);
  });

  it("does not measure a metric twice at once, and ignores samples nobody waits for", () => {
    let run = startAnalysisRun("a", analysisOf(metric("check", { intervalMs: 1000, count: 2 })), 0);
    run = takeDueMeasurements(run, 0).run;
    expect(takeDueMeasurements(run, 5000).due).toEqual([]);
    expect(analysisWakeAt(run)).toBeNull();
    run = recordSample(run, "check", SAMPLES.s, 100).run;
    const stale = recordSample(run, "check", SAMPLES.f, 200);
    expect(stale.measurement).toBeNull();
    expect(stale.run).toBe(run);
    expect(analysisWakeAt(run)).toBe(1100);
  });

  it("keeps the last 10 measurements", () => {
    const { run } = drive(analysisOf(metric("check", { intervalMs: 1000, count: 12 })), { check: Array<Outcome>(12).fill("s") });
    expect(run.metrics[0]?.history).toHaveLength(10);
    expect(run.metrics[0]?.taken).toBe(12);
  });
});

/** Router counters: `requests` requests, `errors` of them failed. */
function counters(requests: number, errors = 0): MetricSample {
  const rate = requests === 0 ? null : errors / requests;
  return {
    kind: "router",
    metrics: { requests, errors, errorRate: rate, successRate: rate === null ? null : 1 - rate, latencyAvgMs: null, latencyP50Ms: null, latencyP95Ms: null, latencyP99Ms: null },
  };
}

const errorRate = (extra: Record<string, unknown>) => ({ name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, ...extra });

/** Takes what is due at `now` and answers it with `sample` at the same moment. */
function measureAt(run: AnalysisRun, now: number, sample: MetricSample) {
  const taken = takeDueMeasurements(run, now);
  let next = taken.run;
  for (const due of taken.due) next = recordSample(next, due.metric.name, sample, now).run;
  return { run: next, due: taken.due };
}

describe("analysis run: router metrics measure windows of traffic (fake clock)", () => {
  it("the first measurement comes at the end of the first interval (10 s by default), never at the weight change", () => {
    let run = startAnalysisRun("a", analysisOf(errorRate({})), 5_000);
    expect(takeDueMeasurements(run, 5_000).due).toEqual([]);
    expect(analysisWakeAt(run)).toBe(15_000);
    expect(takeDueMeasurements(run, 14_999).due).toEqual([]);
    const { run: next, due } = measureAt(run, 15_000, counters(300, 150));
    run = next;
    expect(due.map((d) => [d.at, d.since, d.windowMs])).toEqual([[15_000, 5_000, 10_000]]);
    expect(run).toMatchObject({ phase: "Failed", message: "error rate 0.5 > max 0.01" });
  });

  it("initialDelay moves the window's start; each later window starts at the previous measurement", () => {
    let run = startAnalysisRun("a", analysisOf(errorRate({ initialDelayMs: 2_000, intervalMs: 4_000, count: 3 })), 0);
    const windows: (number | null)[][] = [];
    for (const at of [6_000, 10_000, 14_000]) {
      const step = measureAt(run, at, counters(100));
      run = step.run;
      windows.push(...step.due.map((d) => [d.since, d.windowMs]));
    }
    expect(windows).toEqual([
      [2_000, 4_000],
      [6_000, 4_000],
      [10_000, 4_000],
    ]);
    expect(run.phase).toBe("Successful");
  });

  it("an explicit windowMs is a sliding window, still measured at the end of the interval", () => {
    const run = startAnalysisRun("a", analysisOf(errorRate({ windowMs: 60_000, intervalMs: 5_000 })), 0);
    expect(takeDueMeasurements(run, 5_000).due.map((d) => [d.at, d.since, d.windowMs])).toEqual([[5_000, null, 60_000]]);
  });

  it("fewer than minRequests keeps the window open and measures it again one interval later, then judges it", () => {
    let run = startAnalysisRun("a", analysisOf(errorRate({ intervalMs: 5_000, count: 1 })), 0);
    run = measureAt(run, 5_000, counters(3)).run;
    expect(run.phase).toBe("Running");
    expect(isWaitingForData(run)).toBe(true);
    expect(run.metrics[0]).toMatchObject({ taken: 0, inconclusive: 0, windowStart: 0, nextAt: 10_000 });
    expect(run.metrics[0]?.waitingForData?.message).toBe("no data: 3 requests in 5s < minRequests 20");
    const { run: judged, due } = measureAt(run, 10_000, counters(40, 20));
    expect(due.map((d) => [d.since, d.windowMs])).toEqual([[0, 10_000]]);
    expect(judged).toMatchObject({ phase: "Failed", message: "error rate 0.5 > max 0.01" });
  });

  it.each([
    ["inconclusive", "Inconclusive", "no data: 0 requests in 20s < minRequests 20 at the deadline"],
    ["fail", "Failed", "no data: 0 requests in 20s < minRequests 20 (noData: fail) at the deadline"],
    ["pass", "Successful", "1 measurement (1 successful); last: no data: 0 requests in 20s < minRequests 20 (noData: pass) at the deadline"],
  ] as const)("concluded without data: noData %s", (noData, phase, message) => {
    let run = startAnalysisRun("a", analysisOf(errorRate({ noData, count: 1 })), 0);
    run = measureAt(run, 10_000, counters(0)).run;
    run = measureAt(run, 20_000, counters(0)).run;
    expect(run.phase).toBe("Running");
    const ended = concludeWaitingForData(run, 25_000, "at the deadline");
    expect(ended.phase).toBe(phase);
    expect(ended.metrics[0]?.message).toBe(message);
    expect(concludeWaitingForData(startAnalysisRun("b", analysisOf(errorRate({})), 0), 1, "x").phase).toBe("Running");
  });
});

describe("analysis run: several metrics", () => {
  it("fails at the first failing metric and stops the others", () => {
    const { run } = drive(analysisOf(metric("slow", { intervalMs: 1000, count: 10 }), metric("bad", { intervalMs: 3000, count: 2 })), {
      slow: Array<Outcome>(10).fill("s"),
      bad: ["s", "f"],
    });
    expect(run).toMatchObject({ phase: "Failed", decisiveMetric: "bad" });
    expect(run.metrics.map((m) => [m.name, m.phase, m.nextAt])).toEqual([
      ["slow", "Running", null],
      ["bad", "Failed", null],
    ]);
  });

  it("waits for running metrics before it calls an inconclusive run", () => {
    const analysis = analysisOf(metric("quick", {}), metric("long", { intervalMs: 1000, count: 3 }));
    const { run } = drive(analysis, { quick: ["i"], long: ["s", "s", "s"] });
    expect(run).toMatchObject({ phase: "Inconclusive", decisiveMetric: "quick" });
    expect(run.metrics[1]).toMatchObject({ phase: "Successful", taken: 3 });
  });

  it("reports dry-run metrics without letting them decide", () => {
    const analysis = analysisOf(metric("real", {}), metric("trial", { dryRun: true }));
    const { run } = drive(analysis, { real: ["s"], trial: ["f"] });
    expect(run.phase).toBe("Successful");
    expect(run.message).toBe('1 metric successful; dry-run metric "trial" would have failed: result 0 matches failureCondition "result == 0"');
  });
});
