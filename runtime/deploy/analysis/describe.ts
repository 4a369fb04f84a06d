/** How measured values read in messages: `error rate 0.48`, `p99 latency 812ms`, `result {"ok":false}`. */
import type { Metric } from "../../plan/schema.ts";

type Builtin = Extract<Metric["provider"], { kind: "builtin" }>["metric"];

const LABELS: Readonly<Record<Builtin, { label: string; unit: string }>> = {
  successRate: { label: "success rate", unit: "" },
  errorRate: { label: "error rate", unit: "" },
  latencyAvg: { label: "average latency", unit: "ms" },
  latencyP50: { label: "p50 latency", unit: "ms" },
  latencyP95: { label: "p95 latency", unit: "ms" },
  latencyP99: { label: "p99 latency", unit: "ms" },
  requests: { label: "requests", unit: "" },
};

/** Four significant digits, no trailing zeros, no exponent for ordinary values: 0.48, 0.0012, 812.3. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(4)));
}

/** What the metric measures, as a noun phrase. */
export function metricLabel(metric: Metric): string {
  return metric.provider.kind === "builtin" ? LABELS[metric.provider.metric].label : "result";
}

/** A number with the metric's unit (`500ms`). */
export function formatQuantity(metric: Metric, n: number): string {
  const unit = metric.provider.kind === "builtin" ? LABELS[metric.provider.metric].unit : "";
  return `${formatNumber(n)}${unit}`;
}

/** Any measured value, short enough for a status line. */
export function formatValue(metric: Metric, value: unknown): string {
  if (typeof value === "number") return formatQuantity(metric, value);
  const text = typeof value === "string" ? JSON.stringify(value) : safeJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
