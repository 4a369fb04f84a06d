import { describe, expect, it } from "vitest";
import { commandsOf, drive, job, options } from "./driver.ts";

const fail = (exitCode = 1) => [{ ms: 10, outcome: "failed", exitCode }] as const;
const reasonOf = (result: ReturnType<typeof drive>, id: string) =>
  commandsOf(result, "job-status")
    .filter((c) => c.command.id === id)
    .at(-1)?.command.reason;

describe("conditions and failure propagation", () => {
  it("skips the dependents of a failed job but not independent branches", () => {
    const jobs = [job("build"), job("test", ["build"]), job("deploy", ["test"]), job("lint"), job("docs", ["lint"])];
    const result = drive(jobs, options(), { scripts: { build: fail(2) } });
    expect(result.statuses).toEqual({ build: "failed", test: "skipped", deploy: "skipped", lint: "success", docs: "success" });
    expect(result.spans.map((s) => s.id).sort()).toEqual(["build", "docs", "lint"]);
    expect(reasonOf(result, "build")).toBe("exited with code 2");
    expect(reasonOf(result, "test")).toBe('condition "success()" is false (needs: build failure)');
    expect(reasonOf(result, "deploy")).toBe('condition "success()" is false (needs: test skipped)');
    expect(result.runStatus).toBe("failed");
  });

  it("runs always() and failure() jobs after a failure, also through skipped jobs", () => {
    const jobs = [
      job("build"),
      job("test", ["build"]),
      job("notify", ["test"], { if: "failure()" }),
      job("cleanup", ["test"], { if: "always()" }),
      job("celebrate", ["test"], { if: "success()" }),
      job("report", ["cleanup"], { if: "failure()" }),
    ];
    const result = drive(jobs, options(), { scripts: { build: fail() } });
    expect(result.statuses).toEqual({
      build: "failed",
      test: "skipped",
      notify: "success",
      cleanup: "success",
      celebrate: "skipped",
      // cleanup ran and succeeded: the failure does not reach past a job that ran.
      report: "skipped",
    });
    expect(result.runStatus).toBe("failed");
  });

  it("skips failure() jobs when nothing failed", () => {
    const result = drive([job("build"), job("notify", ["build"], { if: "failure()" })], options());
    expect(result.statuses).toEqual({ build: "success", notify: "skipped" });
    expect(result.runStatus).toBe("success");
  });

  it("lets an allowFailure job fail without failing the run or skipping its dependents", () => {
    const jobs = [
      job("flaky", [], { allowFailure: true }),
      job("next", ["flaky"]),
      job("tell", ["flaky"], { if: "needs.flaky.result == 'failure'" }),
      job("alarm", ["flaky"], { if: "failure()" }),
    ];
    const result = drive(jobs, options({ failFast: true }), { scripts: { flaky: fail() } });
    expect(result.statuses).toEqual({ flaky: "failed", next: "success", tell: "success", alarm: "skipped" });
    expect(result.runStatus).toBe("success");
  });

  it("evaluates conditions with git, vars, env, matrix and needs outputs", () => {
    const jobs = [
      job("build"),
      job("deploy", ["build"], { if: "${{ git.branch == 'main' && vars.DEPLOY == 'yes' && env.CI == 'true' }}" }),
      job("release", ["build"], { if: "startsWith(git.branch, 'release/')" }),
      job("linux", [], { if: "matrix.os == 'linux'", matrix: { os: "linux" } }),
      job("windows", [], { if: "matrix.os == 'linux'", matrix: { os: "windows" } }),
      job("publish", ["build"], { if: "needs.build.outputs.version == '1.2.3'" }),
    ];
    const result = drive(jobs, options(), { scripts: { build: [{ ms: 5, outputs: { version: "1.2.3" } }] } });
    expect(result.statuses).toEqual({ build: "success", deploy: "success", release: "skipped", linux: "success", windows: "skipped", publish: "success" });
    expect(reasonOf(result, "release")).toBe("condition \"startsWith(git.branch, 'release/')\" is false");
  });

  it("implies success() for a condition without a status function", () => {
    const jobs = [job("build"), job("deploy", ["build"], { if: "git.branch == 'main'" }), job("always", ["build"], { if: "always() && git.branch == 'main'" })];
    const result = drive(jobs, options(), { scripts: { build: fail() } });
    expect(result.statuses).toEqual({ build: "failed", deploy: "skipped", always: "success" });
  });

  it("fails a job whose condition cannot be evaluated, without starting it", () => {
    const jobs = [job("build"), job("odd", ["build"], { if: "fromJSON('{') == 1" }), job("after", ["odd"]), job("other")];
    const result = drive(jobs, options(), { scripts: { other: 50 } });
    expect(result.statuses).toEqual({ build: "success", odd: "failed", after: "skipped", other: "success" });
    expect(result.spans.some((s) => s.id === "odd")).toBe(false);
    expect(reasonOf(result, "odd")).toMatch(/^condition "fromJSON\('\{'\) == 1" could not be evaluated: fromJSON: invalid JSON/);
    expect(result.runStatus).toBe("failed");
  });

  it("treats a failing condition as a failure for fail-fast", () => {
    const jobs = [job("odd", [], { if: "format('{9}') == ''" }), job("slow")];
    const result = drive(jobs, options({ failFast: true }), { scripts: { slow: 100 } });
    expect(result.statuses).toEqual({ odd: "failed", slow: "cancelled" });
    expect(result.runStatus).toBe("failed");
  });
});
