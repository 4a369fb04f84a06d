/**
 * Judges one sample of one metric: no data first (never a silent pass), then the threshold, then
 * the conditions. Pure: the same metric and sample always give the same measurement.
 */
import type { Metric } from "../../plan/schema.ts";
import type { VersionMetrics } from "../types.ts";
import { evaluateCondition, toNumber } from "./condition.ts";
import { formatNumber, formatQuantity, formatValue, metricLabel } from "./describe.ts";
import type { AssessedMeasurement, MetricSample } from "./types.ts";

type Builtin = Extract<Metric["provider"], { kind: "builtin" }>["metric"];

const ROUTER_FIELDS: Readonly<Record<Builtin, keyof VersionMetrics>> = {
  successRate: "successRate",
  errorRate: "errorRate",
  latencyAvg: "latencyAvgMs",
  latencyP50: "latencyP50Ms",
  latencyP95: "latencyP95Ms",
  latencyP99: "latencyP99Ms",
  requests: "requests",
};

export function assessSample(metric: Metric, sample: MetricSample): AssessedMeasurement {
  switch (sample.kind) {
    case "error":
      return { phase: "error", value: null, message: sample.message, noData: false };
    case "router":
      return assessRouterSample(metric, sample.metrics);
    case "value":
      return sample.value === null || sample.value === undefined ? noData(metric, "the provider returned no value") : judge(metric, sample.value);
    case "exit": {
      const tail = sample.output.trim() === "" ? "" : `: ${lastLine(sample.output)}`;
      if (sample.code !== 0) return measured("failed", sample.code, `command exited with code ${sample.code}${tail}`);
      if (!hasCriterion(metric)) return measured("successful", 0, "command exited with code 0");
      const output = sample.output.trim();
      return output === "" ? noData(metric, "the command printed no value") : judge(metric, parseOutput(output));
    }
  }
}

function assessRouterSample(metric: Metric, metrics: VersionMetrics | null): AssessedMeasurement {
  if (metric.provider.kind !== "builtin") {
    return { phase: "error", value: null, message: `router counters given for a ${metric.provider.kind} metric`, noData: false };
  }
  if (metrics === null) {
    return { phase: "error", value: null, message: "the router cannot measure this version; use an http or command metric", noData: false };
  }
  const field = metric.provider.metric;
  if (field !== "requests" && metrics.requests < metric.minRequests) {
    return noData(metric, `${metrics.requests} requests < minRequests ${metric.minRequests}`);
  }
  const value = metrics[ROUTER_FIELDS[field]];
  return value === null ? noData(metric, "no requests measured") : judge(metric, value);
}

/** The explicit no-data policy: inconclusive (default), fail, or pass; the message always says so. */
function noData(metric: Metric, why: string): AssessedMeasurement {
  const message = `no data: ${why}`;
  switch (metric.noData) {
    case "inconclusive":
      return { phase: "inconclusive", value: null, message, noData: true };
    case "fail":
      return { phase: "failed", value: null, message: `${message} (noData: fail)`, noData: true };
    case "pass":
      return { phase: "successful", value: null, message: `${message} (noData: pass)`, noData: true };
  }
}

function hasCriterion(metric: Metric): boolean {
  return metric.threshold !== null || metric.successCondition !== null || metric.failureCondition !== null;
}

function judge(metric: Metric, value: unknown): AssessedMeasurement {
  const label = `${metricLabel(metric)} ${formatValue(metric, value)}`;
  const number = toNumber(value);
  if (!hasCriterion(metric)) {
    return measured("inconclusive", number, `${label}: the metric has no threshold or condition to judge it by`);
  }
  const parts: string[] = [];
  const { threshold } = metric;
  if (threshold !== null && (threshold.min !== null || threshold.max !== null)) {
    if (number === null) return { phase: "error", value: null, message: `${label} is not a number; a threshold needs one`, noData: false };
    if (threshold.max !== null && number > threshold.max) return measured("failed", number, `${label} > max ${formatQuantity(metric, threshold.max)}`);
    if (threshold.min !== null && number < threshold.min) return measured("failed", number, `${label} < min ${formatQuantity(metric, threshold.min)}`);
    parts.push(withinText(metric, threshold.min, threshold.max));
  }
  if (metric.successCondition === null && metric.failureCondition === null) {
    return measured("successful", number, `${label} ${parts.join("")}`);
  }
  return judgeConditions(metric, value, number, label);
}

function withinText(metric: Metric, min: number | null, max: number | null): string {
  if (min !== null && max !== null) return `within [${formatNumber(min)}, ${formatQuantity(metric, max)}]`;
  return max !== null ? `<= max ${formatQuantity(metric, max)}` : `>= min ${formatQuantity(metric, min ?? 0)}`;
}

/**
 * Argo's rules: a matched failureCondition fails; else a matched successCondition succeeds; with only
 * one of them, not matching means the other outcome; with both and neither matching, inconclusive.
 */
function judgeConditions(metric: Metric, value: unknown, number: number | null, label: string): AssessedMeasurement {
  const { successCondition: success, failureCondition: failure } = metric;
  if (failure !== null) {
    const outcome = evaluateCondition(failure, value);
    if (!outcome.ok) return { phase: "error", value: null, message: outcome.message, noData: false };
    if (outcome.matched) return measured("failed", number, `${label} matches failureCondition "${failure}"`);
  }
  if (success !== null) {
    const outcome = evaluateCondition(success, value);
    if (!outcome.ok) return { phase: "error", value: null, message: outcome.message, noData: false };
    if (outcome.matched) return measured("successful", number, `${label} meets successCondition "${success}"`);
    if (failure === null) return measured("failed", number, `${label} does not meet successCondition "${success}"`);
    return measured("inconclusive", number, `${label} meets neither successCondition "${success}" nor failureCondition "${failure}"`);
  }
  return measured("successful", number, `${label} does not match failureCondition "${failure ?? ""}"`);
}

function measured(phase: "successful" | "failed" | "inconclusive", value: number | null, message: string): AssessedMeasurement {
  return { phase, value, message, noData: false };
}

/** A command's stdout: a number, else JSON, else the text itself. */
function parseOutput(output: string): unknown {
  const number = toNumber(output);
  if (number !== null) return number;
  try {
    return JSON.parse(output) as unknown;
  } catch {
    return output;
  }
}

function lastLine(output: string): string {
  const lines = output.trim().split("\n");
  const line = lines[lines.length - 1] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
