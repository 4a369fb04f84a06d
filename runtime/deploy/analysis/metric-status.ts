/**
 * One metric's phase from its counters, in Argo's order: failures over failureLimit, then
 * inconclusives over inconclusiveLimit, then consecutive errors over consecutiveErrorLimit, then
 * `count` reached (success: every limit held). Otherwise it keeps running.
 */
import type { Metric } from "../../plan/schema.ts";
import type { MeasurementRecord, MetricPhase, MetricRun } from "./types.ts";

type Counters = Pick<MetricRun, "taken" | "successful" | "failed" | "inconclusive" | "consecutiveErrors">;

/** `count`, or 1 when neither count nor interval is set; null: measure until stopped. */
export function effectiveCount(metric: Metric): number | null {
  if (metric.count !== null) return metric.count;
  return metric.intervalMs === null ? 1 : null;
}

export function assessMetric(metric: Metric, counters: Counters, last: MeasurementRecord | null): { phase: MetricPhase; message: string | null } {
  const lastMessage = last?.message ?? "no measurement";
  if (metric.failureLimit >= 0 && counters.failed > metric.failureLimit) {
    const note = metric.failureLimit > 0 ? ` (${counters.failed} of ${counters.taken} measurements failed > failureLimit ${metric.failureLimit})` : "";
    return { phase: "Failed", message: `${lastMessage}${note}` };
  }
  if (counters.inconclusive > metric.inconclusiveLimit) {
    const note = metric.inconclusiveLimit > 0 ? ` (${counters.inconclusive} inconclusive > inconclusiveLimit ${metric.inconclusiveLimit})` : "";
    return { phase: "Inconclusive", message: `${lastMessage}${note}` };
  }
  if (counters.consecutiveErrors > metric.consecutiveErrorLimit) {
    return {
      phase: "Error",
      message: `${counters.consecutiveErrors} measurement errors in a row > consecutiveErrorLimit ${metric.consecutiveErrorLimit}: ${lastMessage}`,
    };
  }
  const count = effectiveCount(metric);
  if (count !== null && counters.taken >= count) return { phase: "Successful", message: summarise(counters, lastMessage) };
  return { phase: "Running", message: null };
}

export function summarise(counters: Counters, lastMessage: string): string {
  const parts = [`${counters.successful} successful`];
  if (counters.failed > 0) parts.push(`${counters.failed} failed`);
  if (counters.inconclusive > 0) parts.push(`${counters.inconclusive} inconclusive`);
  return `${counters.taken} measurement${counters.taken === 1 ? "" : "s"} (${parts.join(", ")}); last: ${lastMessage}`;
}
