/**
 * A job's reports, read from its workspace after its steps: every file its `reports` patterns match,
 * parsed and added up. Problems (a pattern that matched nothing, a malformed or oversized file) are
 * data: they are shown with the report and never stop the run. Limits: 20 MiB per report file and
 * 500 files per job; at most 100 failed tests are kept.
 */
import { lstat, readFile } from "node:fs/promises";
import { glob } from "tinyglobby";
import type { Reports } from "../plan/schema.ts";
import { addCoverage, parseCoverage, type CoverageCounts } from "./coverage.ts";
import { parseJunit, type FailedTest, type TestCounts } from "./junit.ts";

export const REPORT_LIMITS = { fileBytes: 20 * 1024 * 1024, files: 500, failures: 100 } as const;

export interface JobReport {
  readonly tests: (TestCounts & { readonly durationMs: number; readonly failures: readonly FailedTest[] }) | null;
  readonly coverage: CoverageCounts | null;
  /** The report files read, relative to the workspace. */
  readonly files: readonly string[];
  readonly problems: readonly string[];
}

export async function readJobReport(workspace: string, reports: Reports): Promise<JobReport> {
  const problems: string[] = [];
  const files: string[] = [];
  let tests: JobReport["tests"] = null;
  let coverage: CoverageCounts | null = null;
  for (const path of await matchReports(workspace, reports.junit, "junit", problems)) {
    const text = await readReport(workspace, path, problems);
    if (text === null) continue;
    const parsed = parseJunit(text);
    if (!parsed.ok) {
      problems.push(`${path}: ${parsed.message}`);
      continue;
    }
    files.push(path);
    const r = parsed.report;
    const before: NonNullable<JobReport["tests"]> = tests ?? { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0, failures: [] };
    tests = {
      total: before.total + r.total,
      passed: before.passed + r.passed,
      failed: before.failed + r.failed,
      errors: before.errors + r.errors,
      skipped: before.skipped + r.skipped,
      durationMs: before.durationMs + r.durationMs,
      failures: [...before.failures, ...r.failures].slice(0, REPORT_LIMITS.failures),
    };
  }
  for (const path of await matchReports(workspace, reports.coverage, "coverage", problems)) {
    const text = await readReport(workspace, path, problems);
    if (text === null) continue;
    const parsed = parseCoverage(text);
    if (!parsed.ok) {
      problems.push(`${path}: ${parsed.message}`);
      continue;
    }
    files.push(path);
    coverage = coverage === null ? parsed.counts : addCoverage(coverage, parsed.counts);
  }
  return { tests, coverage, files, problems };
}

async function matchReports(workspace: string, patterns: readonly string[], kind: string, problems: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const paths = await glob([pattern], { cwd: workspace, dot: true, followSymbolicLinks: false, onlyFiles: true, expandDirectories: false });
    if (paths.length === 0) problems.push(`reports.${kind} "${pattern}" matched no file`);
    for (const path of paths.sort()) found.add(path);
  }
  const all = [...found];
  if (all.length > REPORT_LIMITS.files) problems.push(`reports.${kind}: ${all.length} files matched; only the first ${REPORT_LIMITS.files} are read`);
  return all.slice(0, REPORT_LIMITS.files);
}

async function readReport(workspace: string, path: string, problems: string[]): Promise<string | null> {
  const full = `${workspace}/${path}`;
  try {
    const info = await lstat(full);
    if (!info.isFile()) {
      problems.push(`${path}: not a regular file (a symbolic link or a device); not read`);
      return null;
    }
    if (info.size > REPORT_LIMITS.fileBytes) {
      problems.push(`${path}: ${info.size} bytes, more than the ${REPORT_LIMITS.fileBytes / 1024 / 1024} MiB a report may hold; not read`);
      return null;
    }
    return await readFile(full, "utf8");
  } catch (cause) {
    problems.push(`${path}: could not be read: ${(cause as Error).message}`);
    return null;
  }
}
