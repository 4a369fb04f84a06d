/**
 * Analysis data: what a provider hands back (a sample), how one sample is judged (an assessed
 * measurement), and the state of an analysis run across its metrics. All plain, serialisable data.
 */
import type { Analysis, Metric } from "../../plan/schema.ts";
import type { Measurement, VersionMetrics } from "../types.ts";

/**
 * What the loop got from a metric's provider, before any judgement:
 * - `router`: the router's per-version counters (builtin metrics); null when the router cannot measure;
 * - `value`: an http provider's body, parsed as JSON when it is JSON, with `jsonPath` already applied;
 * - `exit`: a command provider's exit code and trimmed stdout;
 * - `error`: the provider could not measure (bad URL, timeout, spawn failure). Not a failure: see consecutiveErrorLimit.
 */
export type MetricSample =
  | { readonly kind: "router"; readonly metrics: VersionMetrics | null }
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "exit"; readonly code: number; readonly output: string }
  | { readonly kind: "error"; readonly message: string };

/** One judged sample: the I/O contract's Measurement, plus whether it was "no data". */
export type AssessedMeasurement = Measurement & { readonly noData: boolean };

export interface MeasurementRecord {
  /** When the result came back. */
  readonly at: number;
  readonly phase: Measurement["phase"];
  readonly value: number | null;
  readonly message: string;
  readonly noData: boolean;
}

export type AnalysisPhase = "Running" | "Successful" | "Failed" | "Inconclusive";
/** `Error`: more consecutive provider errors than `consecutiveErrorLimit`; the run counts it as Failed. */
export type MetricPhase = AnalysisPhase | "Error";

export interface MetricRun {
  readonly name: string;
  readonly phase: MetricPhase;
  /** Why the metric is in its phase (the decisive measurement, with the limit it crossed); null while running. */
  readonly message: string | null;
  /** Measurements that were judged (successful + failed + inconclusive); errors are not counted. */
  readonly taken: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly errors: number;
  readonly consecutiveErrors: number;
  /** When the next measurement is due; null when none is (terminal, or one is in flight). */
  readonly nextAt: number | null;
  /** When the measurement now in flight was asked for; null when none is. */
  readonly inFlightAt: number | null;
  /**
   * Start of the traffic window the next router measurement covers: the start of the run (after
   * `initialDelayMs`), then the previous judged measurement. A window without enough requests stays
   * open (see `waitingForData`).
   */
  readonly windowStart: number;
  /**
   * The latest "no data" sample of a router metric while its window is kept open for more traffic
   * (judged by the `noData` policy only when the engine concludes it, at the progress deadline); null
   * when the metric is not waiting for data.
   */
  readonly waitingForData: (MeasurementRecord & { readonly judged: AssessedMeasurement["phase"] }) | null;
  /** The decisive measurement when terminal, else the latest one. */
  readonly last: MeasurementRecord | null;
  /** The latest measurements, oldest first (at most MEASUREMENT_RETENTION). */
  readonly history: readonly MeasurementRecord[];
}

export interface AnalysisRun {
  readonly id: string;
  readonly startedAt: number;
  /** The metrics being measured, kept with the run so it can be judged without the plan. */
  readonly analysis: Analysis;
  readonly phase: AnalysisPhase;
  /** The decisive message once terminal: the failing (or inconclusive) metric and its measurement. */
  readonly message: string | null;
  /** The metric that decided a Failed or Inconclusive run. */
  readonly decisiveMetric: string | null;
  /** Why the run was stopped before it finished on its own (promote, abort, end of rollout). */
  readonly terminatedBy: string | null;
  readonly metrics: readonly MetricRun[];
}

/** A metric whose measurement is due now: the loop asks its provider and reports a sample. */
export interface DueMeasurement {
  readonly metric: Metric;
  /** The time the measurement was scheduled for. */
  readonly at: number;
  /** The window to aggregate over (builtin metrics): `windowMs`, else the time since `since`, else `intervalMs`, else 60 s. */
  readonly windowMs: number;
  /**
   * Router metrics without an explicit `windowMs`: the window starts here (the start of the run or
   * the previous judged measurement) and ends when the router is asked. Null for other metrics.
   */
  readonly since: number | null;
}
