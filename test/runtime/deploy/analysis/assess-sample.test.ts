import { describe, expect, it } from "vitest";
import { assessSample, type MetricSample } from "../../../../runtime/deploy/analysis/index.ts";
import { MetricSchema, type Metric } from "../../../../runtime/plan/schema.ts";

const errorRate = (extra: Record<string, unknown> = {}): Metric =>
  MetricSchema.parse({ name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, ...extra });
const http = (extra: Record<string, unknown>): Metric => MetricSchema.parse({ name: "smoke", provider: { kind: "http", url: "http://127.0.0.1:9/health" }, ...extra });
const command = (extra: Record<string, unknown> = {}): Metric => MetricSchema.parse({ name: "check", provider: { kind: "command", run: ["./check.sh"] }, ...extra });

const router = (errorRate: number | null, requests: number, p99: number | null = 40): MetricSample => ({
  kind: "router",
  metrics: {
    requests,
    errors: 0,
    errorRate,
    successRate: errorRate === null ? null : 1 - errorRate,
    latencyAvgMs: p99,
    latencyP50Ms: p99,
    latencyP95Ms: p99,
    latencyP99Ms: p99,
  },
});

describe("assessSample: thresholds", () => {
  it.each([
    ["below max", errorRate(), router(0.002, 100), "successful", 0.002, "error rate 0.002 <= max 0.01"],
    ["above max", errorRate(), router(0.48, 100), "failed", 0.48, "error rate 0.48 > max 0.01"],
    ["at max", errorRate(), router(0.01, 100), "successful", 0.01, "error rate 0.01 <= max 0.01"],
    [
      "success rate below min",
      MetricSchema.parse({ name: "ok", provider: { kind: "builtin", metric: "successRate" }, threshold: { min: 0.99 } }),
      router(0.05, 100),
      "failed",
      0.95,
      "success rate 0.95 < min 0.99",
    ],
    [
      "p99 above max, in ms",
      MetricSchema.parse({ name: "p99", provider: { kind: "builtin", metric: "latencyP99" }, threshold: { max: 500 } }),
      router(0, 100, 812.25),
      "failed",
      812.25,
      "p99 latency 812.3ms > max 500ms",
    ],
    [
      "within a range",
      MetricSchema.parse({ name: "p99", provider: { kind: "builtin", metric: "latencyP99" }, threshold: { min: 1, max: 500 } }),
      router(0, 100, 30),
      "successful",
      30,
      "p99 latency 30ms within [1, 500ms]",
    ],
    ["http number", http({ threshold: { max: 5 } }), { kind: "value", value: 7 }, "failed", 7, "result 7 > max 5"],
    ["http numeric text", http({ threshold: { max: 5 } }), { kind: "value", value: "3" }, "successful", 3, 'result "3" <= max 5'],
  ] as const)("%s", (_, metric, sample, phase, value, message) => {
    expect(assessSample(metric, sample)).toEqual({ phase, value, message, noData: false });
  });

  it("a threshold over a value that is not a number is a measurement error", () => {
    expect(assessSample(http({ threshold: { max: 5 } }), { kind: "value", value: { ok: true } })).toMatchObject({
      phase: "error",
      message: 'result {"ok":true} is not a number; a threshold needs one',
    });
  });
});

describe("assessSample: conditions", () => {
  it.each([
    [{ successCondition: "result >= 0.95" }, 0.99, "successful", 'result 0.99 meets successCondition "result >= 0.95"'],
    [{ successCondition: "result >= 0.95" }, 0.5, "failed", 'result 0.5 does not meet successCondition "result >= 0.95"'],
    [{ failureCondition: "result > 0.1" }, 0.5, "failed", 'result 0.5 matches failureCondition "result > 0.1"'],
    [{ failureCondition: "result > 0.1" }, 0.05, "successful", 'result 0.05 does not match failureCondition "result > 0.1"'],
    [{ successCondition: "result < 0.05", failureCondition: "result > 0.1" }, 0.07, "inconclusive", 'result 0.07 meets neither successCondition "result < 0.05" nor failureCondition "result > 0.1"'],
    [{ successCondition: "result < 0.05", failureCondition: "result > 0.1" }, 0.2, "failed", 'result 0.2 matches failureCondition "result > 0.1"'],
    [{ threshold: { max: 1 }, successCondition: "result == 0" }, 5, "failed", "result 5 > max 1"],
    [{ threshold: { max: 10 }, successCondition: "result == 0" }, 5, "failed", 'result 5 does not meet successCondition "result == 0"'],
  ] as const)("%j with %j → %s", (criteria, value, phase, message) => {
    expect(assessSample(http(criteria), { kind: "value", value })).toMatchObject({ phase, message });
  });

  it("a condition that does not parse is a measurement error, not a pass", () => {
    expect(assessSample(http({ successCondition: "result >>> 1" }), { kind: "value", value: 1 })).toMatchObject({ phase: "error" });
  });

  it("a metric without threshold or condition is inconclusive, never a silent pass", () => {
    expect(assessSample(http({}), { kind: "value", value: 1 })).toMatchObject({ phase: "inconclusive", message: "result 1: the metric has no threshold or condition to judge it by" });
  });
});

describe("assessSample: no data", () => {
  it.each([
    ["inconclusive", "inconclusive", "no data: 3 requests < minRequests 20"],
    ["fail", "failed", "no data: 3 requests < minRequests 20 (noData: fail)"],
    ["pass", "successful", "no data: 3 requests < minRequests 20 (noData: pass)"],
  ] as const)("noData: %s", (policy, phase, message) => {
    expect(assessSample(errorRate({ noData: policy }), router(0, 3))).toEqual({ phase, value: null, message, noData: true });
  });

  it.each([
    ["no requests at all", errorRate({ minRequests: 0 }), router(null, 0), "no data: no requests measured"],
    ["http returned nothing", http({ threshold: { max: 1 } }), { kind: "value", value: null }, "no data: the provider returned no value"],
    ["command printed nothing", command({ threshold: { max: 1 } }), { kind: "exit", code: 0, output: "  \n" }, "no data: the command printed no value"],
  ] as const)("%s", (_, metric, sample, message) => {
    expect(assessSample(metric, sample)).toMatchObject({ phase: "inconclusive", message, noData: true });
  });

  it("minRequests does not apply to the requests metric itself", () => {
    const requests = MetricSchema.parse({ name: "traffic", provider: { kind: "builtin", metric: "requests" }, threshold: { min: 10 } });
    expect(assessSample(requests, router(0, 3))).toMatchObject({ phase: "failed", message: "requests 3 < min 10" });
  });
});

describe("assessSample: commands and errors", () => {
  it.each([
    [command(), { kind: "exit", code: 0, output: "" }, "successful", "command exited with code 0"],
    [command(), { kind: "exit", code: 3, output: "checking\nbad gateway\n" }, "failed", "command exited with code 3: bad gateway"],
    [command({ threshold: { max: 0.01 } }), { kind: "exit", code: 0, output: "0.2\n" }, "failed", "result 0.2 > max 0.01"],
    [command({ successCondition: "result.ok == true" }), { kind: "exit", code: 0, output: '{"ok":true}' }, "successful", 'result {"ok":true} meets successCondition "result.ok == true"'],
    [errorRate(), { kind: "error", message: "connect ECONNREFUSED 127.0.0.1:9" }, "error", "connect ECONNREFUSED 127.0.0.1:9"],
    [errorRate(), { kind: "router", metrics: null }, "error", "the router cannot measure this version; use an http or command metric"],
  ] as const)("%#: %j → %s", (metric, sample, phase, message) => {
    expect(assessSample(metric, sample)).toMatchObject({ phase, message });
  });
});
