/**
 * Test reports and quality gates of a job that is a job-cache hit, through the real binary and Docker:
 * the run it is restored into is told the reports and gate results the run that made it recorded, so
 * the job's lines, the run summary, `reports/<job>.json`, the events and `pipec report` are the same
 * on the cached run; a changed gate is a miss, checked anew.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { noStackTrace, runPipecAsync } from "./run-pipec.ts";

const docker = await dockerGate("reports of cached jobs (docker)");
let dir: string;

const pipeline = (maxFailed: number) => `name: cached-reports
image: ${TEST_IMAGES.busybox}
jobs:
  unit:
    # Keyed on the fixtures only: an edit of this file is no change of the job's files.
    cache_key: { files: ["fixtures/**"] }
    steps:
      - mkdir -p reports coverage && cp fixtures/vitest-junit-failures.xml reports/ && cp fixtures/cobertura-coverage.xml coverage/
      - echo '{"complexity":{"max":7}}' > metrics.json
    reports: { junit: reports/*.xml, coverage: coverage/cobertura-coverage.xml }
    gates:
      - { metric: coverage.branch, min: 0.2 }
      - { metric: complexity.max, max: 10, file: metrics.json }
      - { metric: tests.failed, max: ${maxFailed} }
  after:
    depends_on: [unit]
    steps: [echo after]
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-reports-cached-"));
  cpSync(join(import.meta.dirname, "..", "fixtures", "reports"), join(dir, "fixtures"), { recursive: true });
  writeFileSync(join(dir, "pipeline.yaml"), pipeline(5));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Event = Record<string, unknown> & { type: string; job?: string };
const runDir = (runId: string) => join(dir, ".pipec", "runs", runId);
const runIdOf = (stderr: string) => /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)![1]!;
/** The job.reports and job.gates events of a run, without what differs per run (time, sequence). */
const reportEvents = (runId: string) =>
  readFileSync(join(runDir(runId), "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Event)
    .filter((event) => event.type === "job.reports" || event.type === "job.gates")
    .map(({ type, job, tests, failures, coverage, files, problems, gates }) => ({ type, job, tests, failures, coverage, files, problems, gates }));
/** What the job and the summary say of its reports and gates. */
const reportLines = (output: string) => output.split("\n").filter((line) => /^\[unit\] (tests:|  ✘|gate )|^\s+unit: tests:/.test(line));

describe.runIf(docker.run)("reports and gates of a cached job", { timeout: 240_000 }, () => {
  beforeAll(docker.assertAvailable);

  it("are the same on a fully cached run as on the run that made it: lines, summary, reports/<job>.json, events, pipec report", async () => {
    const first = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(first.code).toBe(0);
    noStackTrace(first.stderr);
    const second = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("[unit] cached: not run, outputs restored from run");
    expect(second.stdout).toContain("[after] cached: not run, outputs restored from run");

    const firstRun = runIdOf(first.stderr);
    const secondRun = runIdOf(second.stderr);
    expect(secondRun).not.toBe(firstRun);
    const lines = reportLines(first.stdout + first.stderr);
    expect(lines).toEqual(expect.arrayContaining([
      "[unit] tests: 3 passed, 2 failed, 1 skipped; coverage: line 49.6%, branch 28.8%, function 49.2%",
      "[unit] gate passed: coverage.branch 28.8% >= 20%",
      "[unit] gate passed: complexity.max 7 <= 10 (metrics.json)",
      "[unit] gate passed: tests.failed 2 <= 5",
    ]));
    expect(reportLines(second.stdout + second.stderr)).toEqual(lines);

    expect(reportEvents(firstRun)).toHaveLength(2);
    expect(reportEvents(secondRun)).toEqual(reportEvents(firstRun));
    expect(readFileSync(join(runDir(secondRun), "reports", "unit.json"), "utf8")).toBe(readFileSync(join(runDir(firstRun), "reports", "unit.json"), "utf8"));

    for (const runId of [firstRun, secondRun]) {
      const page = await runPipecAsync(["report", runId, "-o", "-"], { cwd: dir });
      expect(page.code).toBe(0);
      expect(page.stdout).toContain("rounds floats");
      expect(page.stdout).toContain("complexity.max");
    }
  });

  it("checks a changed gate anew: the job is not a cache hit, and fails when the gate does not hold", async () => {
    writeFileSync(join(dir, "pipeline.yaml"), pipeline(1));
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("[unit] cached");
    expect(result.stdout).toContain("[unit] gate failed: tests.failed 2 > 1");
    expect(result.stdout).toMatch(/\[unit\] FAILED in .*: quality gate failed: tests\.failed 2 > 1\n/);
  });
});
