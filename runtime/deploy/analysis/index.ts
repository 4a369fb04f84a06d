/**
 * Metric analysis, pure: judge samples against thresholds and conditions (with an explicit no-data
 * policy), count them against Argo's limits, and schedule measurements by count and interval.
 */
export { assessSample } from "./assess-sample.ts";
export { evaluateCondition, type ConditionResult } from "./condition.ts";
export { formatNumber } from "./describe.ts";
export { effectiveCount } from "./metric-status.ts";
export {
  DEFAULT_ROUTER_INTERVAL_MS,
  DEFAULT_WINDOW_MS,
  ERROR_RETRY_MS,
  MEASUREMENT_RETENTION,
  analysisWakeAt,
  concludeWaitingForData,
  hasNeverHadData,
  isWaitingForData,
  measurementIntervalMs,
  recordSample,
  startAnalysisRun,
  takeDueMeasurements,
  terminateAnalysisRun,
} from "./run.ts";
export type {
  AnalysisPhase,
  AnalysisRun,
  AssessedMeasurement,
  DueMeasurement,
  MeasurementRecord,
  MetricPhase,
  MetricRun,
  MetricSample,
} from "./types.ts";
