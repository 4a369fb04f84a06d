/** The engine's side of analysis runs: start them, send due measurements, feed samples back. */
import type { Analysis } from "../../plan/schema.ts";
import {
  analysisWakeAt,
  concludeWaitingForData,
  hasNeverHadData,
  isWaitingForData,
  measurementIntervalMs,
  recordSample,
  startAnalysisRun,
  takeDueMeasurements,
  terminateAnalysisRun,
  type AnalysisRun,
} from "../analysis/index.ts";
import { emit, formatDuration, log, markProgress, type Draft } from "./draft.ts";
import type { DeployObservation } from "./types.ts";

/** Starts a run with a fresh id (`background-1`, `analysis-2`, `pre-promotion-3`...). */
export function startRun(d: Draft, prefix: string, analysis: Analysis): string {
  d.s.analysisCount += 1;
  const id = `${prefix}-${d.s.analysisCount}`;
  d.s.analyses[id] = startAnalysisRun(id, analysis, d.now);
  return id;
}

export function run(d: Draft, id: string | null): AnalysisRun | undefined {
  return id === null ? undefined : d.s.analyses[id];
}

/** Emits a `measure` for every metric due now, in every running analysis. Measurements are of the new version. */
export function sendDueMeasurements(d: Draft): void {
  for (const [id, current] of Object.entries(d.s.analyses)) {
    if (current.phase !== "Running") continue;
    const { run: next, due } = takeDueMeasurements(current, d.now);
    d.s.analyses[id] = next;
    for (const m of due) emit(d, { type: "measure", analysisId: id, metric: m.metric, version: "canary", at: m.at, windowMs: m.windowMs, since: m.since });
  }
}

/**
 * Feeds a provider's answer to its run. A judged successful measurement of the stage's own analysis
 * is progress (the progress deadline starts again); a window without enough traffic is not.
 */
export function observeMeasurement(d: Draft, obs: Extract<DeployObservation, { type: "measurement" }>): void {
  const current = d.s.analyses[obs.analysisId];
  if (current === undefined) return;
  const { run: next, measurement, extended } = recordSample(current, obs.metric, obs.sample, d.now);
  if (measurement === null) return;
  d.s.analyses[obs.analysisId] = next;
  if (extended) {
    const metric = current.analysis.metrics.find((m) => m.name === obs.metric);
    const again = metric === undefined ? "" : `; measuring the same window again in ${formatDuration(measurementIntervalMs(metric) ?? 0)}`;
    log(d, `${obs.analysisId} "${obs.metric}": ${measurement.message}: not judged yet${again} (until the progress deadline, then noData: ${metric?.noData ?? "inconclusive"})`);
    return;
  }
  log(d, `${obs.analysisId} "${obs.metric}": ${measurement.message} (${measurement.phase})`, measurement.phase === "successful" ? "info" : "warn");
  if (measurement.phase === "successful" && obs.analysisId === d.s.stage.analysisId) markProgress(d);
  if (next.phase !== "Running") log(d, `${obs.analysisId}: ${next.phase}${next.message === null ? "" : `: ${next.message}`}`);
}

/**
 * At the progress deadline (or at promotion): every window still waiting for traffic is judged by its
 * metric's noData policy. A pass (`noData: pass`) is progress, as any successful measurement.
 */
export function concludeAnalysesWaitingForData(d: Draft, why: string): void {
  for (const [id, current] of Object.entries(d.s.analyses)) {
    if (!isWaitingForData(current)) continue;
    const next = concludeWaitingForData(current, d.now, why);
    d.s.analyses[id] = next;
    next.metrics.forEach((m, i) => {
      if (current.metrics[i]?.waitingForData === null || m.last === null) return;
      log(d, `${id} "${m.name}": ${m.last.message} (${m.last.phase})`, "warn");
      if (m.last.phase === "successful") markProgress(d);
    });
    if (next.phase !== "Running") log(d, `${id}: ${next.phase}${next.message === null ? "" : `: ${next.message}`}`);
  }
}

/** A run one of whose metrics never saw enough traffic to be judged. */
export function neverHadData(current: AnalysisRun | undefined): boolean {
  return current !== undefined && hasNeverHadData(current);
}

/** `"errors" waiting for traffic: no data: 3 requests in 20s < minRequests 20`, or null when no metric waits. */
export function describeWaitingForData(current: AnalysisRun): string | null {
  if (!isWaitingForData(current)) return null;
  const waiting = current.metrics.filter((m) => m.phase === "Running" && m.waitingForData !== null);
  return waiting.map((m) => `"${m.name}" waiting for traffic: ${m.waitingForData?.message ?? ""}`).join("; ");
}

export function terminateRun(d: Draft, id: string | null, reason: string): void {
  const current = run(d, id);
  if (current === undefined || current.phase !== "Running" || id === null) return;
  d.s.analyses[id] = terminateAnalysisRun(current, reason);
}

export function terminateAllRuns(d: Draft, reason: string): void {
  for (const id of Object.keys(d.s.analyses)) terminateRun(d, id, reason);
}

export function analysesWakeAt(d: Draft): number | null {
  let at: number | null = null;
  for (const current of Object.values(d.s.analyses)) {
    const next = analysisWakeAt(current);
    if (next !== null && (at === null || next < at)) at = next;
  }
  return at;
}

/** `analysis "errors": error rate 0.48 > max 0.01`: the decisive metric and its measurement. */
export function describeOutcome(label: string, current: AnalysisRun): string {
  const metric = current.decisiveMetric === null ? "" : ` "${current.decisiveMetric}"`;
  return `${label}${metric}: ${current.message ?? current.phase}`;
}
