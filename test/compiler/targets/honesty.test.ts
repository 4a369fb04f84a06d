/**
 * The honesty rule: a plan using one feature a target cannot carry yields exactly one located error
 * (`target-unsupported`, or `target-name-collision`) and no file; an approximation is a warning that
 * `--strict` turns into an error.
 */
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../../compiler/canonical.ts";
import { emitTarget, TargetProfileSchema, type TargetName } from "../../../compiler/targets/index.ts";
import { PlanSchema, type JobInput, type PlanInput } from "../../../runtime/plan/schema.ts";

const at = (line: number) => ({ file: "ci.pipeline.ts", line, column: 3 });
const step = (run: string, extra: Record<string, unknown> = {}) => ({ name: run, run, source: at(20), ...extra });
const job = (extra: Partial<JobInput> = {}): JobInput => ({ name: "job", image: "busybox:1.36", network: "host", steps: [step("echo hi")], source: at(10), ...extra });

function plan(jobs: Record<string, JobInput>, extra: Partial<PlanInput> = {}) {
  return canonicalize(PlanSchema.parse({ name: "p", jobs, source: at(1), ...extra }));
}

function emit(target: TargetName, jobs: Record<string, JobInput>, strict = false) {
  return emitTarget(plan(jobs), target, { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0-test", strict });
}

const canary = { strategy: "canary", name: "web", target: { kind: "docker", image: "web:1" } } as const;

type Case = [string, TargetName, Record<string, JobInput>, number];
const refused: Case[] = [
  ["step image", "github", { build: job({ steps: [step("make", { image: "gcc:14" })] }) }, 20],
  ["step image", "gitlab", { build: job({ steps: [step("make", { image: "gcc:14" })] }) }, 20],
  ["a deployment", "github", { ship: job({ image: null, steps: [], deploy: canary }) }, 10],
  ["a deployment", "gitlab", { ship: job({ image: null, steps: [], deploy: canary }) }, 10],
  ["a service command", "github", { build: job({ services: [{ name: "db", image: "postgres:16", command: ["postgres", "-c", "fsync=off"] }] }) }, 10],
  ["needs.X.result of an allowFailure job", "github", { lint: job({ allowFailure: true }), build: job({ needs: ["lint"], if: "needs.lint.result == 'failure'" }) }, 10],
  ["needs.X.result", "gitlab", { lint: job(), build: job({ needs: ["lint"], if: "needs.lint.result == 'failure'" }) }, 10],
  ["cancelled()", "gitlab", { build: job({ if: "cancelled()" }) }, 10],
  ["a < comparison", "gitlab", { build: job({ if: "vars.N < '3'" }) }, 10],
  ["an image template", "github", { build: job({ image: "node:${NODE:-20}" }) }, 10],
  ["an image template with a default", "gitlab", { build: job({ image: "node:${NODE:-20}" }) }, 10],
  ["retry max 3", "gitlab", { build: job({ retry: { max: 3 } }) }, 10],
  ["three cache key files", "gitlab", { build: job({ caches: [{ key: [{ files: ["a", "b", "c"] }], paths: [".cache"] }] }) }, 10],
  ["a step condition on a variable", "gitlab", { build: job({ steps: [step("echo", { if: "vars.X == 'y'" })] }) }, 20],
  ["an output pattern it cannot select", "github", { build: job({ outputs: { dist: { paths: ["dist/a**b"] } } }) }, 10],
  ["an output pattern it cannot select", "gitlab", { build: job({ outputs: { dist: { paths: ["dist/a**b"] } } }) }, 10],
  ["changed()", "github", { build: job({ if: "changed('services/**')" }) }, 10],
  ["changed()", "gitlab", { build: job({ if: "changed('services/**')" }) }, 10],
];

describe("the honesty rule", () => {
  it.each(refused)("%s on %s: one located error, no file", (_feature, target, jobs, line) => {
    const vars = { X: { default: "y" }, N: { default: "1" }, NODE: { default: "20" } };
    const result = emitTarget(plan(jobs, { vars }), target, { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0-test" });
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "target-unsupported", location: at(line) });
    expect(errors[0]!.message).toMatch(new RegExp(`^${target}: job "\\w+": `));
    expect(errors[0]!.hint).toBeTruthy();
    expect(result.files).toEqual([]);
  });

  it.each([
    ["github", { "a.b": job(), a_b: job() }, "a_b"],
    ["gitlab", { image: job(), "image-job": job() }, "image-job"],
  ] as const)("%s: two job ids that sanitise alike are a located error", (target, jobs, engineId) => {
    const result = emit(target, jobs);
    expect(result.files).toEqual([]);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "target-name-collision", location: at(10) });
    expect(errors[0]!.message).toContain(`job id "${engineId}"`);
  });

  it("renames a job called like a GitLab keyword, and keeps needs pointing at it", () => {
    const text = emit("gitlab", { image: job(), test: job({ needs: ["image"] }) }).files[0]!.content;
    expect(text).toMatch(/^image-job:$/m);
    expect(text).not.toMatch(/^image:$/m);
    expect(text).toMatch(/- job: image-job/);
  });

  it("GitHub: env.X in a job-level if becomes the pipeline env's value (GitHub has no env context there)", () => {
    const ifLine = (value: string) => {
      const result = emitTarget(plan({ build: job({ if: "env.DEPLOY_ENV == 'prod'" }) }, { env: { DEPLOY_ENV: value } }), "github", { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0-test" });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      return result.files[0]!.content.split("\n").find((line) => line.trimStart().startsWith("if:"))?.trim();
    };
    expect(ifLine("prod")).toBe("if: ${{ true }}");
    expect(ifLine("dev")).toMatch(/^if: \$\{\{ .*false.* \}\}$/);
    expect(ifLine("dev")).not.toContain("env.");
  });

  it("gives GitHub job ids GitHub accepts", () => {
    const text = emit("github", { "2fa.check": job(), test: job({ needs: ["2fa.check"] }) }).files[0]!.content;
    expect(text).toMatch(/^ {2}_2fa_check:$/m);
    expect(text).toMatch(/needs:\n\s+- _2fa_check/);
  });

  it("warns for an approximation, and --strict makes it an error with no file", () => {
    const jobs = { build: job({ retry: { max: 1 } }) };
    const loose = emit("github", jobs);
    expect(loose.files).toHaveLength(1);
    expect(loose.diagnostics).toEqual([expect.objectContaining({ code: "target-approximation", severity: "warning", location: at(10) })]);
    expect(loose.diagnostics[0]!.message).toMatch(/^github: job "build": retry: /);
    const strict = emit("github", jobs, true);
    expect(strict.files).toEqual([]);
    expect(strict.diagnostics).toEqual([expect.objectContaining({ code: "target-approximation", severity: "error" })]);
  });

  it("reports a matrix job's approximation once, naming every expansion", () => {
    const result = emit("gitlab", { "t-1": job({ network: "none" }), "t-2": job({ network: "none" }) });
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]!.message).toContain('jobs "t-1", "t-2": network none');
  });

  it("is deterministic: the same plan gives the same bytes", () => {
    const jobs = { build: job({ env: { A: "${B:-x}/y", B: "z" } }), test: job({ needs: ["build"] }) };
    for (const target of ["github", "gitlab"] as const) expect(emit(target, jobs)).toEqual(emit(target, jobs));
  });
});
