/**
 * End to end: test reports and quality gates with the real binary. The jobs write report files made by
 * real tools (test/fixtures/reports); pipec parses them, shows counts and failed tests, records them
 * with the run, and fails a job whose gate does not hold, saying the measured value and the threshold.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noStackTrace, runPipec } from "./run-pipec.ts";

type Event = Record<string, unknown> & { type: string };
const events = (stdout: string): Event[] => stdout.trim().split("\n").map((line) => JSON.parse(line) as Event);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-reports-"));
  cpSync(join(import.meta.dirname, "..", "fixtures", "reports"), join(dir, "fixtures"), { recursive: true });
  writeFileSync(
    join(dir, "ci.pipeline.ts"),
    `import { job, pipeline } from "pipec";
const unit = job("unit", {
  image: "unused",
  steps: ["mkdir -p reports coverage", "cp fixtures/vitest-junit-repository.xml reports/repo.xml", "cp fixtures/cobertura-coverage.xml coverage/"],
  reports: { junit: "reports/*.xml", coverage: "coverage/cobertura-coverage.xml" },
  gates: [{ metric: "coverage.line", min: 0.8 }, { metric: "coverage.branch", min: 0.2 }],
});
const failing = job("failing", {
  image: "unused",
  steps: ["mkdir -p reports", "cp fixtures/vitest-junit-failures.xml reports/", "exit 1"],
  reports: { junit: "reports/*.xml" },
});
const lint = job("lint", {
  image: "unused",
  steps: ['echo \\'{"complexity": {"max": 7}}\\' > metrics.json', "cp fixtures/lcov.info lcov.info"],
  reports: { coverage: "lcov.info" },
  gates: [{ metric: "complexity.max", max: 10, file: "metrics.json" }, { metric: "coverage.function", min: 0.4 }],
});
export default pipeline("reports", { jobs: [unit, failing, lint] });
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("test reports and quality gates", { timeout: 120_000 }, () => {
  it("parses the reports, shows failed tests, fails the job whose gate does not hold, keeps the reports with the run", () => {
    const result = runPipec(["run", "--executor", "local"], { cwd: dir });
    expect(result.code).toBe(1);
    noStackTrace(result.stderr);
    // The failed tests, with file and line, as the job finishes.
    expect(result.stdout).toContain("[failing] tests: 3 passed, 2 failed, 1 skipped");
    expect(result.stdout).toContain("[failing]   ✘ add > rounds floats (test/parse.test.ts:6): expected 0.30000000000000004 to be 0.3 // Object.is equality");
    expect(result.stdout).toContain("[unit] tests: 178 passed, 1 failed; coverage: line 49.6%, branch 28.8%, function 49.2%");
    expect(result.stdout).toContain("[unit] gate failed: coverage.line 49.6% < 80%");
    expect(result.stdout).toContain("[unit] gate passed: coverage.branch 28.8% >= 20%");
    expect(result.stdout).toContain("[unit] FAILED in");
    expect(result.stdout).toMatch(/\[unit\] FAILED in .*: quality gate failed: coverage\.line 49\.6% < 80%\n/);
    expect(result.stdout).toContain("[lint] gate passed: complexity.max 7 <= 10 (metrics.json)");
    expect(result.stdout).toContain("[lint] gate passed: coverage.function 49.2% >= 40%");
    // The summary repeats each job's counts.
    expect(result.stderr).toContain("failing: tests: 3 passed, 2 failed, 1 skipped");

    const runs = runPipec(["runs", "--json"], { cwd: dir });
    const runId = (JSON.parse(runs.stdout) as { id: string }[])[0]!.id;
    const kept = JSON.parse(readFileSync(join(dir, ".pipec", "runs", runId, "reports", "failing.json"), "utf8")) as { tests: { failed: number; failures: unknown[] } };
    expect(kept.tests.failed).toBe(2);
    expect(kept.tests.failures).toHaveLength(2);
  });

  it("--json carries job.reports and job.gates events", () => {
    const result = runPipec(["run", "--executor", "local", "--json"], { cwd: dir });
    const all = events(result.stdout);
    const failing = all.find((e) => e.type === "job.reports" && e.job === "failing");
    expect(failing).toMatchObject({ tests: { total: 6, passed: 3, failed: 2, skipped: 1, errors: 0 }, coverage: null, files: ["reports/vitest-junit-failures.xml"], problems: [] });
    expect((failing?.failures as unknown[]).length).toBe(2);
    const gates = all.find((e) => e.type === "job.gates" && e.job === "unit");
    expect(gates).toMatchObject({ gates: [{ metric: "coverage.line", value: 187 / 377, min: 0.8, ok: false }, { metric: "coverage.branch", ok: true }] });
    expect(all.find((e) => e.type === "job.finished" && e.job === "lint")).toMatchObject({ status: "success" });
  });

  it("a gate on an unknown metric is a compile error with did you mean (exit 2)", () => {
    writeFileSync(
      join(dir, "bad.pipeline.ts"),
      `import { job, pipeline } from "pipec";
export default pipeline("bad", { jobs: [job("unit", { image: "x", steps: ["true"], reports: { junit: "r.xml" }, gates: [{ metric: "tests.faild" as "tests.failed", max: 0 }] })] });
`,
    );
    const result = runPipec(["build", "bad.pipeline.ts"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[unknown-metric]: job "unit": gate metric "tests.faild" is not a report metric. Did you mean "tests.failed"?');
    noStackTrace(result.stderr);
  });

  it("YAML reports: and gates: build to the same plan fields", () => {
    writeFileSync(
      join(dir, "pipeline.yaml"),
      `name: yaml-reports
image: unused
jobs:
  unit:
    steps: [npm test]
    reports: { junit: reports/*.xml, coverage: [coverage/lcov.info] }
    gates:
      - { metric: coverage.line, min: 0.8 }
      - { metric: tests.failed, max: 0 }
`,
    );
    const result = runPipec(["build", "pipeline.yaml", "--format", "json"], { cwd: dir });
    expect(result.stderr).toBe("");
    const plan = JSON.parse(result.stdout) as { jobs: { unit: { reports: unknown; gates: unknown } } };
    expect(plan.jobs.unit.reports).toEqual({ junit: ["reports/*.xml"], coverage: ["coverage/lcov.info"] });
    expect(plan.jobs.unit.gates).toEqual([
      { metric: "coverage.line", min: 0.8, max: null, file: null },
      { metric: "tests.failed", min: null, max: 0, file: null },
    ]);
  });
});
