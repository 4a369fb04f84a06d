/**
 * An analysis run as a pure state machine over time and samples:
 *
 *   let run = startAnalysisRun("step-2", analysis, now);
 *   ({ run, due } = takeDueMeasurements(run, now));      // ask each due metric's provider
 *   ({ run } = recordSample(run, "errors", sample, now)); // when the provider answers
 *   analysisWakeAt(run);                                  // when to call takeDueMeasurements again
 *
 * A run is Failed as soon as one metric fails (or errors out); otherwise it ends when every metric
 * has, Inconclusive if one is, else Successful. Dry-run metrics are measured and reported but never
 * decide the phase.
 */
import type { Analysis, Metric } from "../../plan/schema.ts";
import { assessSample } from "./assess-sample.ts";
import { assessMetric, summarise } from "./metric-status.ts";
import type { AnalysisRun, AssessedMeasurement, DueMeasurement, MeasurementRecord, MetricRun, MetricSample } from "./types.ts";

/** Measurements kept per metric (Argo's measurementRetention default). */
export const MEASUREMENT_RETENTION = 10;
/** Retry delay after a provider error when the metric has no interval. */
export const ERROR_RETRY_MS = 10_000;
/** Aggregation window when a metric sets neither `windowMs` nor `intervalMs`. */
export const DEFAULT_WINDOW_MS = 60_000;

export function startAnalysisRun(id: string, analysis: Analysis, now: number): AnalysisRun {
  const metrics = analysis.metrics.map(
    (metric): MetricRun => ({
      name: metric.name,
      phase: "Running",
      message: null,
      taken: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      errors: 0,
      consecutiveErrors: 0,
      nextAt: now + metric.initialDelayMs,
      inFlightAt: null,
      last: null,
      history: [],
    }),
  );
  return { id, startedAt: now, analysis, phase: "Running", message: null, decisiveMetric: null, terminatedBy: null, metrics };
}

/** Marks every due metric as in flight and returns what to measure. */
export function takeDueMeasurements(run: AnalysisRun, now: number): { run: AnalysisRun; due: DueMeasurement[] } {
  if (run.phase !== "Running") return { run, due: [] };
  const due: DueMeasurement[] = [];
  const metrics = run.metrics.map((m, i) => {
    const metric = run.analysis.metrics[i] as Metric;
    if (m.phase !== "Running" || m.inFlightAt !== null || m.nextAt === null || m.nextAt > now) return m;
    due.push({ metric, at: m.nextAt, windowMs: metric.windowMs ?? metric.intervalMs ?? DEFAULT_WINDOW_MS });
    return { ...m, nextAt: null, inFlightAt: now };
  });
  return { run: due.length === 0 ? run : { ...run, metrics }, due };
}

/** Judges a sample for a metric in flight; a sample nobody waits for (stale, or the run ended) is ignored. */
export function recordSample(
  run: AnalysisRun,
  metricName: string,
  sample: MetricSample,
  now: number,
): { run: AnalysisRun; measurement: AssessedMeasurement | null } {
  const index = run.metrics.findIndex((m) => m.name === metricName);
  const current = run.metrics[index];
  const metric = run.analysis.metrics[index];
  if (run.phase !== "Running" || current === undefined || metric === undefined || current.inFlightAt === null) return { run, measurement: null };
  const measurement = assessSample(metric, sample);
  const record: MeasurementRecord = { at: now, phase: measurement.phase, value: measurement.value, message: measurement.message, noData: measurement.noData };
  const isError = measurement.phase === "error";
  const counters = {
    taken: current.taken + (isError ? 0 : 1),
    successful: current.successful + (measurement.phase === "successful" ? 1 : 0),
    failed: current.failed + (measurement.phase === "failed" ? 1 : 0),
    inconclusive: current.inconclusive + (measurement.phase === "inconclusive" ? 1 : 0),
    errors: current.errors + (isError ? 1 : 0),
    consecutiveErrors: isError ? current.consecutiveErrors + 1 : 0,
  };
  const status = assessMetric(metric, counters, record);
  const nextAt = status.phase !== "Running" ? null : now + (metric.intervalMs ?? (isError ? ERROR_RETRY_MS : 0));
  const updated: MetricRun = {
    ...current,
    ...counters,
    phase: status.phase,
    message: status.message,
    nextAt,
    inFlightAt: null,
    last: record,
    history: [...current.history, record].slice(-MEASUREMENT_RETENTION),
  };
  const metrics = run.metrics.map((m, i) => (i === index ? updated : m));
  return { run: settleRun({ ...run, metrics }), measurement };
}

/**
 * Stops a running analysis (end of the rollout, promote, abort). Metrics still running end
 * Successful, as in Argo (a background metric that never failed passed); in-flight samples are dropped.
 */
export function terminateAnalysisRun(run: AnalysisRun, reason: string): AnalysisRun {
  if (run.phase !== "Running") return run;
  const metrics = run.metrics.map((m): MetricRun => {
    if (m.phase !== "Running") return m;
    return { ...m, phase: "Successful", message: summarise(m, m.last?.message ?? "no measurement"), nextAt: null, inFlightAt: null };
  });
  return { ...settleRun({ ...run, metrics }), terminatedBy: reason };
}

/** When `takeDueMeasurements` has something to return next; null if nothing is scheduled. */
export function analysisWakeAt(run: AnalysisRun): number | null {
  if (run.phase !== "Running") return null;
  let at: number | null = null;
  for (const m of run.metrics) {
    if (m.phase === "Running" && m.inFlightAt === null && m.nextAt !== null && (at === null || m.nextAt < at)) at = m.nextAt;
  }
  return at;
}

/** The run's phase from its metrics; a terminal run stops every metric still measuring. */
function settleRun(run: AnalysisRun): AnalysisRun {
  const deciding = run.metrics.filter((_, i) => run.analysis.metrics[i]?.dryRun !== true);
  const failed = deciding.find((m) => m.phase === "Failed" || m.phase === "Error");
  const running = run.metrics.some((m) => m.phase === "Running");
  const inconclusive = deciding.find((m) => m.phase === "Inconclusive");
  let outcome: Pick<AnalysisRun, "phase" | "message" | "decisiveMetric">;
  if (failed !== undefined) outcome = { phase: "Failed", message: failed.message, decisiveMetric: failed.name };
  else if (running) return run;
  else if (inconclusive !== undefined) outcome = { phase: "Inconclusive", message: inconclusive.message, decisiveMetric: inconclusive.name };
  else outcome = { phase: "Successful", message: successMessage(run), decisiveMetric: null };
  const metrics = run.metrics.map((m) => (m.phase === "Running" ? { ...m, nextAt: null, inFlightAt: null } : m));
  const notes = dryRunNotes(run);
  const message = notes === "" || outcome.message === null ? outcome.message : `${outcome.message}; ${notes}`;
  return { ...run, ...outcome, message, metrics };
}

function successMessage(run: AnalysisRun): string {
  const deciding = run.analysis.metrics.filter((m) => !m.dryRun).length;
  return `${deciding} metric${deciding === 1 ? "" : "s"} successful`;
}

function dryRunNotes(run: AnalysisRun): string {
  const notes: string[] = [];
  run.metrics.forEach((m, i) => {
    if (run.analysis.metrics[i]?.dryRun !== true || m.phase === "Running" || m.phase === "Successful") return;
    const verb = m.phase === "Inconclusive" ? "been inconclusive" : "failed";
    notes.push(`dry-run metric "${m.name}" would have ${verb}: ${m.message ?? ""}`);
  });
  return notes.join("; ");
}
