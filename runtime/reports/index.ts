/** Test reports (JUnit) and coverage (Cobertura, lcov) of a job, and the quality gates checked on them. */
export { readJobReport, REPORT_LIMITS, type JobReport } from "./job-report.ts";
export { evaluateGates, formatMetric, numberAt, reportMetrics, type GateResult } from "./gates.ts";
export { parseJunit, type FailedTest, type JunitReport, type TestCounts } from "./junit.ts";
export { parseCoverage, ratio, type CoverageCounts } from "./coverage.ts";
