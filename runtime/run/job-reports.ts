/**
 * After a job's steps: read its reports, record them (`job.reports`, and `reports/<job>.json` in the
 * run's folder), then check its gates (`job.gates`). Returns why the gates failed the job, or null,
 * and what was recorded, which a job-cache hit of the job later tells its run again.
 */
import { lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Gate, Job } from "../plan/schema.ts";
import { evaluateGates, numberAt, readJobReport, ratio, REPORT_LIMITS, reportMetrics, type GateResult, type JobReport } from "../reports/index.ts";
import type { RunEventDraft } from "./events.ts";

export interface JobReportInput {
  readonly job: Job;
  readonly jobId: string;
  readonly workspace: string;
  readonly runDir: string;
  readonly emit: (event: RunEventDraft) => void;
}

/**
 * What a job's reports and gates gave, as recorded: kept with its job-cache entry, so that a cached
 * run of the job feeds the run the same reports and gate results (`replayJobReports`).
 */
export interface RecordedReports {
  readonly report: JobReport | null;
  readonly gates: readonly GateResult[] | null;
}

/** Reads the job's reports and checks its gates: why the gates failed the job (or null), and what was recorded (null: the job has neither). */
export async function reportJob(input: JobReportInput): Promise<{ readonly failure: string | null; readonly recorded: RecordedReports | null }> {
  const { job } = input;
  if (job.reports === null && job.gates.length === 0) return { failure: null, recorded: null };
  const report: JobReport = job.reports === null ? { tests: null, coverage: null, files: [], problems: [] } : await readJobReport(input.workspace, job.reports);
  const gates = job.gates.length === 0 ? null : await checkGates(input, report);
  const recorded: RecordedReports = { report: job.reports === null ? null : report, gates };
  await replayJobReports(input, recorded);
  const failed = gates?.filter((r) => !r.ok) ?? [];
  return { failure: failed.length === 0 ? null : `quality gate failed: ${failed.map((r) => (r.file === null ? r.message : `${r.message} (${r.file})`)).join("; ")}`, recorded };
}

/** Tells the run a job's reports and gate results (`job.reports`, `reports/<job>.json`, `job.gates`): just read, or recorded by the run a cache hit comes from. */
export async function replayJobReports(input: Omit<JobReportInput, "job" | "workspace">, recorded: RecordedReports): Promise<void> {
  const { jobId, emit } = input;
  const { report, gates } = recorded;
  if (report !== null) {
    const { tests, coverage } = report;
    emit({
      type: "job.reports",
      job: jobId,
      tests: tests === null ? null : { total: tests.total, passed: tests.passed, failed: tests.failed, errors: tests.errors, skipped: tests.skipped, durationMs: tests.durationMs },
      failures: tests === null ? [] : tests.failures.slice(0, 20).map((f) => ({ name: f.name, message: f.message, file: f.file, line: f.line })),
      coverage: coverage === null ? null : { line: ratio(coverage.lines), branch: ratio(coverage.branches), function: ratio(coverage.functions) },
      files: [...report.files],
      problems: [...report.problems],
    });
    await mkdir(join(input.runDir, "reports"), { recursive: true });
    await writeFile(join(input.runDir, "reports", `${jobId}.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
  if (gates !== null) emit({ type: "job.gates", job: jobId, gates: gates.map((r) => ({ ...r })) });
}

/** Each gate's measured value, from the report or a JSON file of the workspace, judged. */
async function checkGates(input: JobReportInput, report: JobReport): Promise<GateResult[]> {
  const { job } = input;
  const metrics = reportMetrics(report);
  const files = new Map<string, unknown>();
  const values = async (gate: Gate): Promise<number | string> => {
    if (gate.file === null) {
      const value = metrics[gate.metric];
      if (value === undefined) return `no ${gate.metric.split(".")[0] === "tests" ? "JUnit" : "coverage"} report was read${job.reports === null ? " (the job has no reports)" : ""}`;
      return value === null ? "the report does not measure it" : value;
    }
    if (!files.has(gate.file)) files.set(gate.file, await readJson(input.workspace, gate.file));
    const json = files.get(gate.file);
    return typeof json === "string" ? json : numberAt((json as { value: unknown }).value, gate.metric);
  };
  const resolved = new Map<Gate, number | string>();
  for (const gate of job.gates) resolved.set(gate, await values(gate));
  return evaluateGates(job.gates, (gate) => resolved.get(gate)!);
}

/** `{ value }` of a JSON file in the workspace, or a sentence saying why there is none. */
async function readJson(workspace: string, path: string): Promise<{ value: unknown } | string> {
  try {
    const info = await lstat(join(workspace, path));
    if (!info.isFile()) return `${path} is not a regular file`;
    if (info.size > REPORT_LIMITS.fileBytes) return `${path} is larger than ${REPORT_LIMITS.fileBytes / 1024 / 1024} MiB`;
    return { value: JSON.parse(await readFile(join(workspace, path), "utf8")) as unknown };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `the job wrote no ${path}`;
    return `${path} could not be read: ${(cause as Error).message}`;
  }
}
