/** Test reports and quality gates as lines: `tests: 41 passed, 2 failed` with the failed tests, and each gate. */
import type { RunEvent } from "../../runtime/run/index.ts";
import { paint } from "./format.ts";

type Reports = Extract<RunEvent, { type: "job.reports" }>;
type Gates = Extract<RunEvent, { type: "job.gates" }>;

const percent = (ratio: number | null) => (ratio === null ? null : `${Number((ratio * 100).toFixed(1))}%`);

/** `tests: 41 passed, 2 failed, 1 skipped (3 files); coverage: line 72.5%, branch 60%`. */
export function reportHeadline(event: Reports): string {
  const parts: string[] = [];
  if (event.tests !== null) {
    const t = event.tests;
    const counts = [`${t.passed} passed`, t.failed > 0 ? `${t.failed} failed` : null, t.errors > 0 ? `${t.errors} errors` : null, t.skipped > 0 ? `${t.skipped} skipped` : null].filter(Boolean);
    parts.push(`tests: ${counts.join(", ")}`);
  }
  if (event.coverage !== null) {
    const c = event.coverage;
    const kinds = [["line", c.line], ["branch", c.branch], ["function", c.function]] as const;
    parts.push(`coverage: ${kinds.flatMap(([name, value]) => (value === null ? [] : [`${name} ${percent(value)}`])).join(", ")}`);
  }
  return parts.length === 0 ? "reports: none read" : parts.join("; ");
}

/** The lines a job's reports print: the headline, each failed test, each problem. */
export function reportLines(event: Reports, color: boolean): string[] {
  const failed = event.failures.map((f) => `  ${paint(color, 31, "✘")} ${f.name}${f.file === null ? "" : ` (${f.file}${f.line === null ? "" : `:${f.line}`})`}${f.message === "" ? "" : `: ${f.message}`}`);
  const shown = event.tests !== null && event.tests.failed + event.tests.errors > event.failures.length ? [...failed, `  … and ${event.tests.failed + event.tests.errors - event.failures.length} more`] : failed;
  return [reportHeadline(event), ...shown, ...event.problems.map((problem) => `  warning: ${problem}`)];
}

export function gateLines(event: Gates, color: boolean): string[] {
  return event.gates.map((gate) => `gate ${gate.ok ? paint(color, 32, "passed") : paint(color, 31, "failed")}: ${gate.message}${gate.file === null ? "" : ` (${gate.file})`}`);
}
