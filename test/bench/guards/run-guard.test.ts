import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardRun } from "../../../bench/guards/run-guard.ts";
import { runPipec } from "../../cli/run-pipec.ts";

const line = (event: Record<string, unknown>): string => JSON.stringify({ runId: "r1", time: "2026-01-01T00:00:00.000Z", ...event });

/** The events a run of `jobs` prints: each job started, a step, finished `status`; `hit` jobs are job-cache hits instead. */
function events(jobs: readonly string[], options: { status?: string; hit?: readonly string[]; runStatus?: string } = {}): string {
  const lines = [line({ type: "run.started", jobs })];
  for (const job of jobs) {
    lines.push(line({ type: "job.started", job, attempt: 1 }));
    if (options.hit?.includes(job)) lines.push(line({ type: "job.cache", job, hit: true, key: "k", changed: [] }));
    else lines.push(line({ type: "step.started", job, step: 0, name: "s1", attempt: 1 }), line({ type: "step.finished", job, step: 0, name: "s1", status: "success", exitCode: 0, durationMs: 5 }));
    lines.push(line({ type: "job.finished", job, status: options.status ?? "success", attempts: 1, durationMs: 10, exitCode: 0, reason: null }));
  }
  lines.push(line({ type: "run.finished", status: options.runStatus ?? "success", reason: null, durationMs: 20, criticalPath: [], criticalPathMs: 0 }));
  return lines.join("\n");
}

describe("guardRun on hand-written events", () => {
  const jobs = ["a", "b", "c"];

  it("a run where every job ran its steps is valid; so is a fully cached re-run judged as one", () => {
    expect(guardRun(events(jobs), { jobs, cache: "ran" })).toEqual({ valid: true });
    expect(guardRun(events(jobs, { hit: jobs }), { jobs, cache: "cached" })).toEqual({ valid: true });
  });

  it("a cached run timed as a run is INVALID, and says which jobs were hits", () => {
    const verdict = guardRun(events(jobs, { hit: ["b"] }), { jobs, cache: "ran" });
    expect(verdict).toEqual({ valid: false, reason: "1 of 3 jobs were job-cache hits, not runs: b (measure runs with --no-cache)" });
  });

  it("a re-run that ran a job is not a fully cached re-run", () => {
    expect(guardRun(events(jobs, { hit: ["a", "b"] }), { jobs, cache: "cached" })).toEqual({ valid: false, reason: "1 of 3 jobs were not job-cache hits: c" });
  });

  it.each([
    { what: "a job missing", stdout: events(["a", "b"]), reason: "1 of 3 jobs never started: c" },
    { what: "a job failed", stdout: events(jobs, { status: "failed", runStatus: "success" }), reason: "3 of 3 jobs did not end success: a failed, b failed, c failed" },
    { what: "the run failed", stdout: events(jobs, { runStatus: "failed" }), reason: "the run ended failed, expected success" },
    { what: "no run.finished", stdout: events(jobs).split("\n").slice(0, -1).join("\n"), reason: "no run.finished event: the run did not finish" },
    { what: "nothing printed", stdout: "", reason: "no run.started event: the run did not start" },
    { what: "a job of another pipeline", stdout: events([...jobs, "x"]), reason: "the run had jobs the pipeline does not: x" },
    { what: "a job with no step", stdout: events(jobs).split("\n").filter((text) => !text.includes('"step.') || !text.includes('"job":"a"')).join("\n"), reason: "1 of 3 jobs ran no step: a" },
  ])("INVALID when $what", ({ stdout, reason }) => {
    expect(guardRun(stdout, { jobs, cache: "ran" })).toEqual({ valid: false, reason });
  });
});

/** Real measurements: a tiny pipeline run twice with the job cache on (the local executor: no Docker needed). */
describe("guardRun on the events of real runs", () => {
  let project: string;
  const jobs = ["build", "use"];
  const run = (...extra: string[]) => runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--json", ...extra], { cwd: project });

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-run-guard-"));
    writeFileSync(
      join(project, "ci.pipeline.ts"),
      `import { job, output, pipeline } from "pipec";
const build = job("build", { image: "busybox:1.36", steps: ["echo built > out.txt"], outputs: { out: output("out.txt") } });
const use = job("use", { image: "busybox:1.36", inputs: [build.outputs.out], steps: ["cat out.txt"] });
export default pipeline("guarded", { jobs: [use] });
`,
    );
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("the first run is a run; the second, with the cache on, is INVALID as a run and valid as a cached re-run; --no-cache is a run again", () => {
    const first = run();
    expect(first.code, first.stderr).toBe(0);
    expect(guardRun(first.stdout, { jobs, cache: "ran" })).toEqual({ valid: true });

    const second = run();
    expect(second.code, second.stderr).toBe(0);
    expect(guardRun(second.stdout, { jobs, cache: "ran" })).toEqual({ valid: false, reason: "2 of 2 jobs were job-cache hits, not runs: build, use (measure runs with --no-cache)" });
    expect(guardRun(second.stdout, { jobs, cache: "cached" })).toEqual({ valid: true });

    const forced = run("--no-cache");
    expect(forced.code, forced.stderr).toBe(0);
    expect(guardRun(forced.stdout, { jobs, cache: "ran" })).toEqual({ valid: true });
    expect(guardRun(forced.stdout, { jobs: [...jobs, "deploy"], cache: "ran" })).toEqual({ valid: false, reason: "1 of 3 jobs never started: deploy" });
  });
});
