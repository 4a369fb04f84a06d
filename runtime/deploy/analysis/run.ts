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
 *
 * Router metrics measure traffic, not a moment: each measurement is taken at the end of its interval
 * and covers the window since the run started (or since the previous judged measurement). A window
 * with fewer than `minRequests` requests is not judged: it stays open and is measured again one
 * interval later, until the engine concludes it with the metric's `noData` policy (at the progress
 * deadline, `concludeWaitingForData`).
 */
import type { Analysis, Metric } from "../../plan/schema.ts";
import { formatDuration } from "../../plan/duration.ts";
import { DEFAULT_ROUTER_METRIC_INTERVAL_MS } from "../../plan/schema.ts";
import { assessSample } from "./assess-sample.ts";
import { assessMetric, summarise } from "./metric-status.ts";
import type { AnalysisRun, AssessedMeasurement, DueMeasurement, MeasurementRecord, MetricRun, MetricSample } from "./types.ts";

/** Measurements kept per metric (Argo's measurementRetention default). */
export const MEASUREMENT_RETENTION = 10;
/** Retry delay after a provider error when the metric has no interval. */
export const ERROR_RETRY_MS = 10_000;
/** Aggregation window when a metric sets neither `windowMs` nor `intervalMs`. */
export const DEFAULT_WINDOW_MS = 60_000;
/** Interval of a router metric that sets none: its one measurement covers this much traffic. */
export const DEFAULT_ROUTER_INTERVAL_MS = DEFAULT_ROUTER_METRIC_INTERVAL_MS;

/** Router (builtin) metrics are judged on a window of traffic; http and command metrics on one answer. */
function isRouterMetric(metric: Metric): boolean {
  return metric.provider.kind === "builtin";
}

/** Time between measurements: a router metric always has one (10 s by default); others may measure back to back. */
export function measurementIntervalMs(metric: Metric): number | null {
  return metric.intervalMs ?? (isRouterMetric(metric) ? DEFAULT_ROUTER_INTERVAL_MS : null);
}

export function startAnalysisRun(id: string, analysis: Analysis, now: number): AnalysisRun {
  const metrics = analysis.metrics.map((metric): MetricRun => {
    const windowStart = now + metric.initialDelayMs;
    return {
      name: metric.name,
      phase: "Running",
      message: null,
      taken: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      errors: 0,
      consecutiveErrors: 0,
      // A router metric is first measured at the end of its first interval, never at its start.
      nextAt: isRouterMetric(metric) ? windowStart + (measurementIntervalMs(metric) ?? 0) : windowStart,
      inFlightAt: null,
      windowStart,
      waitingForData: null,
      last: null,
      history: [],
    };
  });
  return { id, startedAt: now, analysis, phase: "Running", message: null, decisiveMetric: null, terminatedBy: null, metrics };
}

/** Marks every due metric as in flight and returns what to measure. */
export function takeDueMeasurements(run: AnalysisRun, now: number): { run: AnalysisRun; due: DueMeasurement[] } {
  if (run.phase !== "Running") return { run, due: [] };
  const due: DueMeasurement[] = [];
  const metrics = run.metrics.map((m, i) => {
    const metric = run.analysis.metrics[i] as Metric;
    if (m.phase !== "Running" || m.inFlightAt !== null || m.nextAt === null || m.nextAt > now) return m;
    const since = isRouterMetric(metric) && metric.windowMs === null ? m.windowStart : null;
    const windowMs = metric.windowMs ?? (since !== null ? Math.max(0, m.nextAt - since) : (metric.intervalMs ?? DEFAULT_WINDOW_MS));
    due.push({ metric, at: m.nextAt, windowMs, since });
    return { ...m, nextAt: null, inFlightAt: now };
  });
  return { run: due.length === 0 ? run : { ...run, metrics }, due };
}

/**
 * Judges a sample for a metric in flight; a sample nobody waits for (stale, or the run ended) is ignored.
 * A router sample with fewer than `minRequests` requests is not judged (`extended`): its window stays
 * open and the metric is measured again one interval later.
 */
export function recordSample(
  run: AnalysisRun,
  metricName: string,
  sample: MetricSample,
  now: number,
): { run: AnalysisRun; measurement: AssessedMeasurement | null; extended: boolean } {
  const index = run.metrics.findIndex((m) => m.name === metricName);
  const current = run.metrics[index];
  const metric = run.analysis.metrics[index];
  if (run.phase !== "Running" || current === undefined || metric === undefined || current.inFlightAt === null) return { run, measurement: null, extended: false };
  const measurement = assessSample(metric, sample);
  if (measurement.noData && sample.kind === "router" && sample.metrics !== null) {
    const message = `no data: ${sample.metrics.requests} requests in ${formatWindow(now - current.windowStart)} < minRequests ${metric.minRequests}`;
    const extended: MeasurementRecord = { at: now, phase: measurement.phase, value: null, message: withPolicy(metric, message), noData: true };
    const updated: MetricRun = { ...current, inFlightAt: null, nextAt: now + (measurementIntervalMs(metric) ?? DEFAULT_ROUTER_INTERVAL_MS), waitingForData: { ...extended, judged: measurement.phase } };
    return { run: { ...run, metrics: run.metrics.map((m, i) => (i === index ? updated : m)) }, measurement: { ...measurement, message }, extended: true };
  }
  return { run: applyMeasurement(run, index, measurement, now), measurement, extended: false };
}

/**
 * Judges every router metric still waiting for data by its `noData` policy, with its latest sample
 * (the engine calls this at the progress deadline): `no data: 3 requests in 10m < minRequests 20`.
 * A measurement in flight is dropped. Returns the run unchanged when no metric waits for data.
 */
export function concludeWaitingForData(run: AnalysisRun, now: number, why: string): AnalysisRun {
  if (run.phase !== "Running") return run;
  let next = run;
  run.metrics.forEach((m, index) => {
    const waiting = m.waitingForData;
    if (m.phase !== "Running" || waiting === null) return;
    next = applyMeasurement(next, index, { phase: waiting.judged, value: null, message: `${waiting.message} ${why}`, noData: true }, now);
  });
  return next;
}

/** Whether a metric of the run waits for enough traffic to judge (its window kept open). */
export function isWaitingForData(run: AnalysisRun): boolean {
  return run.phase === "Running" && run.metrics.some((m) => m.phase === "Running" && m.waitingForData !== null);
}

/** Whether a metric of the run has never been judged and waits for data since the run started. */
export function hasNeverHadData(run: AnalysisRun): boolean {
  return run.phase === "Running" && run.metrics.some((m) => m.phase === "Running" && m.waitingForData !== null && m.taken === 0);
}

function applyMeasurement(run: AnalysisRun, index: number, measurement: AssessedMeasurement, now: number): AnalysisRun {
  const current = run.metrics[index] as MetricRun;
  const metric = run.analysis.metrics[index] as Metric;
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
  const nextAt = status.phase !== "Running" ? null : now + (measurementIntervalMs(metric) ?? (isError ? ERROR_RETRY_MS : 0));
  const updated: MetricRun = {
    ...current,
    ...counters,
    phase: status.phase,
    message: status.message,
    nextAt,
    inFlightAt: null,
    // A provider error measured nothing: the window it was for stays open.
    windowStart: isError ? current.windowStart : now,
    waitingForData: null,
    last: record,
    history: [...current.history, record].slice(-MEASUREMENT_RETENTION),
  };
  const metrics = run.metrics.map((m, i) => (i === index ? updated : m));
  return settleRun({ ...run, metrics });
}

function withPolicy(metric: Metric, message: string): string {
  return metric.noData === "inconclusive" ? message : `${message} (noData: ${metric.noData})`;
}

/** `10s`, `2m30s`, `250ms`: a measured window, to the second once it is one. */
function formatWindow(ms: number): string {
  return formatDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : Math.max(0, Math.round(ms)));
}

/**
 * Stops a running analysis (end of the rollout, promote, abort). Metrics still running end
 * Successful, as in Argo (a background metric that never failed passed); in-flight samples are dropped.
 */
export function terminateAnalysisRun(run: AnalysisRun, reason: string): AnalysisRun {
  if (run.phase !== "Running") return run;
  const metrics = run.metrics.map((m): MetricRun => {
    if (m.phase !== "Running") return m;
    return { ...m, phase: "Successful", message: summarise(m, m.last?.message ?? "no measurement"), nextAt: null, inFlightAt: null, waitingForData: null };
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
  const metrics = run.metrics.map((m) => (m.phase === "Running" ? { ...m, nextAt: null, inFlightAt: null, waitingForData: null } : m));
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
