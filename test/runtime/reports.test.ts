/** JUnit and coverage parsing on report files written by real tools (test/fixtures/reports), plus malformed and hostile ones. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateGates, parseCoverage, parseJunit, readJobReport, ratio, REPORT_LIMITS, reportMetrics } from "../../runtime/reports/index.ts";
import { GateSchema } from "../../runtime/plan/schema.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", "reports", name), "utf8");
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("parseJunit", () => {
  it("reads vitest's JUnit report: counts from the test cases, failed tests with message, file and line", () => {
    const result = parseJunit(fixture("vitest-junit-failures.xml"));
    if (!result.ok) throw new Error(result.message);
    expect(result.report).toMatchObject({ total: 6, passed: 3, failed: 2, errors: 0, skipped: 1 });
    expect(result.report.failures).toEqual([
      { name: "add > rounds floats", classname: "test/parse.test.ts", message: "expected 0.30000000000000004 to be 0.3 // Object.is equality", file: "test/parse.test.ts", line: 6, kind: "failure" },
      { name: "parse > throws on bad input", classname: "test/parse.test.ts", message: "unexpected token < in JSON", file: "test/parse.test.ts", line: 12, kind: "failure" },
    ]);
  });

  it("reads this repository's own vitest report (179 tests in two suites)", () => {
    const result = parseJunit(fixture("vitest-junit-repository.xml"));
    if (!result.ok) throw new Error(result.message);
    expect(result.report).toMatchObject({ total: 179, failed: 1, errors: 0, skipped: 0, passed: 178 });
    expect(result.report.failures[0]?.file).toBe("test/runtime/expression.test.ts");
  });

  it("reads a single <testsuite> root, <error> elements and file attributes (pytest, surefire)", () => {
    const result = parseJunit(`<testsuite name="pytest"><testcase classname="tests.test_api" name="test_get" file="tests/test_api.py" time="0.5"><error message="ConnectionError">tests/test_api.py:17: in test_get</error></testcase><testcase name="ok" time="0.25"/></testsuite>`);
    if (!result.ok) throw new Error(result.message);
    expect(result.report).toMatchObject({ total: 2, passed: 1, errors: 1, durationMs: 750 });
    expect(result.report.failures[0]).toMatchObject({ file: "tests/test_api.py", line: 17, kind: "error", message: "ConnectionError" });
  });

  it.each([
    ["not XML", "this is not xml", /not well-formed XML at line 1/],
    ["torn off", fixture("vitest-junit-failures.xml").slice(0, 700), /not well-formed XML at line \d+, column \d+/],
    ["another document", "<html><body/></html>", "not a JUnit report: its root element is <html>, not <testsuites> or <testsuite>"],
    ["an entity bomb", `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><testsuites>&b;</testsuites>`, "it declares XML entities, which pipec does not expand"],
    ["empty", "", /holds no XML element|not well-formed/],
  ])("a malformed report (%s) is a message, not a crash", (_name, text, message) => {
    const result = parseJunit(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("parseCoverage", () => {
  it("reads the Cobertura and lcov files of one vitest coverage run, and they agree", () => {
    const cobertura = parseCoverage(fixture("cobertura-coverage.xml"));
    const lcov = parseCoverage(fixture("lcov.info"));
    if (!cobertura.ok || !lcov.ok) throw new Error("did not parse");
    expect(cobertura.format).toBe("cobertura");
    expect(lcov.format).toBe("lcov");
    expect(cobertura.counts.lines).toEqual({ covered: 187, total: 377 });
    expect(lcov.counts.lines).toEqual({ covered: 187, total: 377 });
    expect(cobertura.counts.branches).toEqual({ covered: 111, total: 385 });
    expect(lcov.counts.branches).toEqual({ covered: 111, total: 385 });
    expect(lcov.counts.functions).toEqual({ covered: 29, total: 59 });
    expect(ratio(cobertura.counts.lines)).toBeCloseTo(0.496, 3);
  });

  it.each([
    ["a JUnit file", fixture("vitest-junit-failures.xml"), "not a Cobertura report: its root element is <testsuites>, not <coverage>"],
    ["plain text", "hello", /neither Cobertura XML nor an lcov tracefile/],
    ["lcov without line counts", "TN:\nSF:a.ts\nend_of_record\n", "an lcov tracefile without LF: (lines found) records"],
  ])("refuses %s", (_name, text, message) => {
    const result = parseCoverage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("readJobReport", () => {
  const workspace = () => {
    const dir = mkdtempSync(join(tmpdir(), "pipec-reports-"));
    dirs.push(dir);
    mkdirSync(join(dir, "reports"));
    mkdirSync(join(dir, "coverage"));
    return dir;
  };

  it("adds up several files, names what matched nothing, what is malformed or too large, and never follows a symlink", async () => {
    const dir = workspace();
    writeFileSync(join(dir, "reports", "a.xml"), fixture("vitest-junit-failures.xml"));
    writeFileSync(join(dir, "reports", "b.xml"), fixture("vitest-junit-repository.xml"));
    writeFileSync(join(dir, "reports", "c.xml"), "<testsuites><testsuite>");
    writeFileSync(join(dir, "reports", "huge.xml"), Buffer.alloc(REPORT_LIMITS.fileBytes + 1, 32));
    symlinkSync("/etc/passwd", join(dir, "reports", "link.xml"));
    writeFileSync(join(dir, "coverage", "lcov.info"), fixture("lcov.info"));
    const report = await readJobReport(dir, { junit: ["reports/*.xml"], coverage: ["coverage/lcov.info", "coverage/cobertura.xml"] });
    expect(report.tests).toMatchObject({ total: 185, failed: 3, skipped: 1, passed: 181 });
    expect(report.files).toEqual(["reports/a.xml", "reports/b.xml", "coverage/lcov.info"]);
    expect(report.problems).toEqual([
      "reports/c.xml: not well-formed XML at line 1, column 1: <testsuites>, <testsuite> never closed (is the file cut short?)",
      `reports/huge.xml: ${REPORT_LIMITS.fileBytes + 1} bytes, more than the 20 MiB a report may hold; not read`,
      'reports.coverage "coverage/cobertura.xml" matched no file',
    ]);
    expect(reportMetrics(report)["coverage.line"]).toBeCloseTo(187 / 377);
  });
});

describe("evaluateGates", () => {
  const gate = (g: object) => GateSchema.parse(g);
  it("says the measured value and the threshold, coverage in percent", () => {
    const results = evaluateGates(
      [gate({ metric: "coverage.line", min: 0.8 }), gate({ metric: "tests.failed", max: 0 }), gate({ metric: "tests.total", min: 1 }), gate({ metric: "complexity.max", max: 10, file: "complexity.json" })],
      (g) => ({ "coverage.line": 0.725, "tests.failed": 3, "tests.total": 40, "complexity.max": "the job wrote no complexity.json" })[g.metric] as number | string,
    );
    expect(results.map((r) => [r.ok, r.message])).toEqual([
      [false, "coverage.line 72.5% < 80%"],
      [false, "tests.failed 3 > 0"],
      [true, "tests.total 40 >= 1"],
      [false, "complexity.max: the job wrote no complexity.json"],
    ]);
  });
});
