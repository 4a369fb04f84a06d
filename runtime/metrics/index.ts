/** Delivery metrics (DORA) from deployment histories. */
export { bandOf, type Band, type DoraMetric } from "./bands.ts";
export { computeDora, describeSpan, median, type ChangeFailureRate, type DeliveryRecord, type DeploymentFrequency, type DoraFigures, type DoraWindow, type LeadTime, type TimeToRestore } from "./dora.ts";
export { MetricsInputError } from "./errors.ts";
export { gitHasNoCommits, readDoraReport, type DoraOptions, type DoraReport } from "./load-dora.ts";
export { describeFigures, formatRate, formatSpan, type FigureLine } from "./describe.ts";
