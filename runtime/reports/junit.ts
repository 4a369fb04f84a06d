/**
 * JUnit XML (the de facto format: vitest, jest-junit, pytest, surefire, go-junit-report) to counts and
 * failed tests. Counts come from the test cases themselves, not from the suites' attributes, which
 * tools fill in differently.
 */
import { descendants, parseXml, type XmlElement } from "./xml.ts";

export interface FailedTest {
  readonly name: string;
  readonly classname: string | null;
  readonly message: string;
  /** The test's file (a `file` attribute, else a path-like classname or suite name), and a line when the failure names one. */
  readonly file: string | null;
  readonly line: number | null;
  readonly kind: "failure" | "error";
}

export interface TestCounts {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
}

export interface JunitReport extends TestCounts {
  readonly durationMs: number;
  readonly failures: readonly FailedTest[];
}

export type JunitResult = { readonly ok: true; readonly report: JunitReport } | { readonly ok: false; readonly message: string };

export function parseJunit(text: string): JunitResult {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const root = parsed.root;
  if (root.name !== "testsuites" && root.name !== "testsuite") return { ok: false, message: `not a JUnit report: its root element is <${root.name}>, not <testsuites> or <testsuite>` };
  const suites = root.name === "testsuite" ? [root, ...descendants(root, "testsuite")] : descendants(root, "testsuite");
  let total = 0;
  let failed = 0;
  let errors = 0;
  let skipped = 0;
  let durationMs = 0;
  const failures: FailedTest[] = [];
  for (const suite of suites) {
    for (const testcase of suite.children.filter((child) => child.name === "testcase")) {
      total++;
      durationMs += seconds(testcase.attributes.time);
      const failure = testcase.children.find((child) => child.name === "failure");
      const error = testcase.children.find((child) => child.name === "error");
      if (failure !== undefined || error !== undefined) {
        if (failure !== undefined) failed++;
        else errors++;
        failures.push(failedTest(suite, testcase, (failure ?? error)!, failure !== undefined ? "failure" : "error"));
      } else if (testcase.children.some((child) => child.name === "skipped")) skipped++;
    }
  }
  return { ok: true, report: { total, passed: total - failed - errors - skipped, failed, errors, skipped, durationMs: Math.round(durationMs), failures } };
}

function failedTest(suite: XmlElement, testcase: XmlElement, problem: XmlElement, kind: FailedTest["kind"]): FailedTest {
  const classname = testcase.attributes.classname ?? null;
  const file = testcase.attributes.file ?? suite.attributes.file ?? [classname, suite.attributes.name].find((name) => name !== undefined && name !== null && looksLikePath(name)) ?? null;
  const body = problem.text.trim();
  const message = (problem.attributes.message ?? body.split("\n")[0] ?? "").trim();
  return { name: testcase.attributes.name ?? "(unnamed)", classname, message: message.slice(0, 1000), file, line: file === null ? null : lineIn(body, file), kind };
}

function looksLikePath(name: string): boolean {
  return /[/\\]/.test(name) && /\.[A-Za-z0-9]+$/.test(name);
}

/** The first `file:line` the failure's text mentions (a stack frame or vitest's `❯ file:line:col`). */
function lineIn(text: string, file: string): number | null {
  const index = text.indexOf(`${file}:`);
  if (index < 0) return null;
  const match = /^:(\d+)/.exec(text.slice(index + file.length));
  return match ? Number(match[1]) : null;
}

function seconds(value: string | undefined): number {
  const parsed = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed * 1000 : 0;
}
