/**
 * A job's reports, read from its workspace after its steps: every file its `reports` patterns match,
 * parsed and added up. Problems (a pattern that matched nothing, a malformed or oversized file) are
 * data: they are shown with the report and never stop the run. Limits: 20 MiB per report file and
 * 500 files per job; at most 100 failed tests are kept.
 */
import { lstat, readFile } from "node:fs/promises";
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
  const context = { workspace, problems, files };
  for (const r of await readParsed(context, reports.junit, "junit", parseJunit, (result) => result.report)) {
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
  for (const counts of await readParsed(context, reports.coverage, "coverage", parseCoverage, (result) => result.counts)) {
    coverage = coverage === null ? counts : addCoverage(coverage, counts);
  }
  return { tests, coverage, files, problems };
}

type Parsed<R> = ({ readonly ok: true } & R) | { readonly ok: false; readonly message: string };

/** The parsed value of each file the patterns match, in order; what cannot be read or parsed becomes a problem. */
async function readParsed<R, T>(
  context: { readonly workspace: string; readonly problems: string[]; readonly files: string[] },
  patterns: readonly string[],
  kind: string,
  parse: (text: string) => Parsed<R>,
  value: (result: R) => T,
): Promise<T[]> {
  const values: T[] = [];
  for (const path of await matchReports(context.workspace, patterns, kind, context.problems)) {
    const text = await readReport(context.workspace, path, context.problems);
    if (text === null) continue;
    const parsed = parse(text);
    if (!parsed.ok) {
      context.problems.push(`${path}: ${parsed.message}`);
      continue;
    }
    context.files.push(path);
    values.push(value(parsed as R));
  }
  return values;
}

async function matchReports(workspace: string, patterns: readonly string[], kind: string, problems: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const { glob } = await import("tinyglobby");
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
