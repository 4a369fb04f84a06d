/** Quality gates: thresholds on a job's report metrics (or on numbers in a JSON file it wrote), checked after its reports. */
import type { Gate } from "../plan/schema.ts";
import type { JobReport } from "./job-report.ts";
import { ratio } from "./coverage.ts";

export interface GateResult {
  readonly metric: string;
  readonly file: string | null;
  readonly value: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly ok: boolean;
  /** `coverage.line 72.5% < 80%`, `tests.failed 3 > 0`, or why there is no value. */
  readonly message: string;
}

/** The report metrics of a job (absent: the job has no report of that kind). */
export function reportMetrics(report: JobReport): Record<string, number | null> {
  const metrics: Record<string, number | null> = {};
  if (report.tests !== null) {
    const { total, passed, failed, errors, skipped } = report.tests;
    Object.assign(metrics, { "tests.total": total, "tests.passed": passed, "tests.failed": failed, "tests.errors": errors, "tests.skipped": skipped });
  }
  if (report.coverage !== null) {
    Object.assign(metrics, {
      "coverage.line": ratio(report.coverage.lines),
      "coverage.branch": ratio(report.coverage.branches),
      "coverage.function": ratio(report.coverage.functions),
    });
  }
  return metrics;
}

/** A JSON file's number at a dotted path, or why there is none. */
export function numberAt(json: unknown, path: string): number | string {
  let current = json;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return `it has no ${path}`;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "number" && Number.isFinite(current) ? current : `its ${path} is ${JSON.stringify(current)}, not a number`;
}

/**
 * Checks each gate against `values` (metric -> number, or text saying why it is missing). A missing
 * value fails the gate: a gate nobody can measure is not passed.
 */
export function evaluateGates(gates: readonly Gate[], values: (gate: Gate) => number | string): GateResult[] {
  return gates.map((gate) => {
    const value = values(gate);
    const base = { metric: gate.metric, file: gate.file, min: gate.min, max: gate.max };
    if (typeof value === "string") return { ...base, value: null, ok: false, message: `${gate.metric}: ${value}` };
    const show = (n: number) => formatMetric(gate.metric, gate.file, n);
    if (gate.min !== null && value < gate.min) return { ...base, value, ok: false, message: `${gate.metric} ${show(value)} < ${show(gate.min)}` };
    if (gate.max !== null && value > gate.max) return { ...base, value, ok: false, message: `${gate.metric} ${show(value)} > ${show(gate.max)}` };
    const bounds = [gate.min === null ? null : `>= ${show(gate.min)}`, gate.max === null ? null : `<= ${show(gate.max)}`].filter(Boolean).join(" and ");
    return { ...base, value, ok: true, message: `${gate.metric} ${show(value)} ${bounds}` };
  });
}

/** Coverage ratios read as percentages (0.725 -> 72.5%); other metrics as numbers. */
export function formatMetric(metric: string, file: string | null, value: number): string {
  if (file === null && metric.startsWith("coverage.")) return `${Number((value * 100).toFixed(1))}%`;
  return String(Number(value.toFixed(4)));
}
