/** The engine's side of analysis runs: start them, send due measurements, feed samples back. */
import type { Analysis } from "../../plan/schema.ts";
import { analysisWakeAt, recordSample, startAnalysisRun, takeDueMeasurements, terminateAnalysisRun, type AnalysisRun } from "../analysis/index.ts";
import { emit, log, type Draft } from "./draft.ts";
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
    for (const m of due) emit(d, { type: "measure", analysisId: id, metric: m.metric, version: "canary", at: m.at, windowMs: m.windowMs });
  }
}

export function observeMeasurement(d: Draft, obs: Extract<DeployObservation, { type: "measurement" }>): void {
  const current = d.s.analyses[obs.analysisId];
  if (current === undefined) return;
  const { run: next, measurement } = recordSample(current, obs.metric, obs.sample, d.now);
  if (measurement === null) return;
  d.s.analyses[obs.analysisId] = next;
  log(d, `${obs.analysisId} "${obs.metric}": ${measurement.message} (${measurement.phase})`, measurement.phase === "successful" ? "info" : "warn");
  if (next.phase !== "Running") log(d, `${obs.analysisId}: ${next.phase}${next.message === null ? "" : `: ${next.message}`}`);
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
