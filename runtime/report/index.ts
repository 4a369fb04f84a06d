/** The run report: one self-contained HTML page per run. */
export { ReportInputError } from "./errors.ts";
export { escapeHtml } from "./escape.ts";
export { renderRunReport, type RenderedReport, type ReportOptions } from "./load-report.ts";
export { renderReportHtml, type ReportPage } from "./render-html.ts";
export { buildRunModel, layerJobs, type JobRow, type RunModel } from "./run-model.ts";
