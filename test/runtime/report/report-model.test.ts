/** The run report's pure parts: the model from a plan and events, the graph's layers, escaping, the rendered page. */
import { describe, expect, it } from "vitest";
import { PlanSchema } from "../../../runtime/plan/schema.ts";
import { buildRunModel, escapeHtml, layerJobs, renderReportHtml } from "../../../runtime/report/index.ts";
import type { RunEvent } from "../../../runtime/run/index.ts";

const T0 = Date.parse("2026-05-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const plan = PlanSchema.parse({
  name: "shop",
  jobs: {
    build: { name: "<script>alert(1)</script>", image: "busybox:1.36", steps: [{ name: "compile", run: "make" }] },
    test: { name: "test", image: "busybox:1.36", needs: ["build"], steps: [{ name: "unit", run: "make test" }] },
    lint: { name: "lint", image: "busybox:1.36", steps: [{ name: "lint", run: "make lint" }] },
    ship: { name: "ship", image: "busybox:1.36", needs: ["test", "lint"], steps: [{ name: "push", run: "make push" }] },
  },
});
const e = (ms: number, event: Record<string, unknown>) => ({ time: at(ms), runId: "r1", ...event }) as RunEvent;
const events: RunEvent[] = [
  e(0, { type: "run.started", pipeline: "shop", digest: "", executor: "docker", concurrency: 2, jobs: ["build", "test", "lint", "ship"], resumedFrom: null }),
  e(0, { type: "run.commit", sha: "a".repeat(40), branch: "main", tag: null, authorTime: at(-3_600_000) }),
  e(10, { type: "job.started", job: "build", attempt: 1 }),
  e(10, { type: "job.started", job: "lint", attempt: 1 }),
  e(20, { type: "step.started", job: "build", step: 0, name: "compile", attempt: 1 }),
  e(1010, { type: "step.finished", job: "build", step: 0, name: "compile", status: "success", exitCode: 0, durationMs: 990 }),
  e(1020, { type: "job.finished", job: "build", status: "success", attempts: 1, durationMs: 1010, exitCode: 0, reason: null }),
  e(300, { type: "job.finished", job: "lint", status: "success", attempts: 1, durationMs: 290, exitCode: 0, reason: null }),
  e(1030, { type: "job.started", job: "test", attempt: 1 }),
  e(1500, { type: "job.log", job: "test", step: 0, stream: "stdout", text: "boom <b>" }),
  e(2030, { type: "job.finished", job: "test", status: "failed", attempts: 1, durationMs: 1000, exitCode: 1, reason: 'step "unit" failed with exit code 1' }),
  e(2031, { type: "job.status", job: "ship", status: "skipped", attempt: 0, reason: "a need failed" }),
  e(2040, { type: "run.finished", status: "failed", reason: null, durationMs: 2040, criticalPath: ["build", "test"], criticalPathMs: 2020 }),
];

describe("run model", () => {
  const model = buildRunModel("r1", plan, events, T0 + 10_000);

  it("places jobs and steps on the run's time axis, marks the critical path, keeps failed jobs' last lines", () => {
    const byId = Object.fromEntries(model.jobs.map((j) => [j.id, j]));
    expect(byId.build).toMatchObject({ start: 10, end: 1020, critical: true, status: "success", steps: [{ index: 0, name: "compile", status: "success", start: 20, end: 1010 }] });
    expect(byId.test).toMatchObject({ start: 1030, end: 2030, critical: true, status: "failed", logTail: ["boom <b>"] });
    expect(byId.lint).toMatchObject({ critical: false, logTail: [] });
    expect(byId.ship).toMatchObject({ start: null, end: null, status: "skipped", reason: "a need failed" });
    expect(model).toMatchObject({ status: "failed", durationMs: 2040, executor: "docker", criticalPathMs: 2020 });
    expect(model.commit?.branch).toBe("main");
  });

  it("layers the graph by the deepest need", () => {
    expect(layerJobs(model.jobs)).toEqual([["build", "lint"], ["test"], ["ship"]]);
  });

  it("renders one page where the run's text is escaped", () => {
    const html = renderReportHtml({ run: model, dora: [], doraProblem: null, doraWindow: "the last 30 days", generatedAt: at(10_000) });
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("boom &lt;b&gt;");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).toContain("build → test");
    expect(html).toContain("Not enough data: no deployment has a history in .pipec/deployments yet.");
  });
});

describe("escapeHtml", () => {
  it.each([
    ["<script>", "&lt;script&gt;"],
    [`"quoted" & 'single'`, "&quot;quoted&quot; &amp; &#39;single&#39;"],
    ["plain", "plain"],
  ])("%s", (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });
});
