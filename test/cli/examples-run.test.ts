/**
 * Every example runs as shipped: each file in examples/ builds, and each one that can run here runs to
 * the end, with the steps its first comment names performed by the test (a second run with --var, an
 * approval from another process). Examples whose first comment says "Build-only here" are showcases
 * for a real application; the list of those is fixed below so that none becomes build-only quietly.
 * They run in a copy of the examples and of the test app in a git project of their own.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../setup/require-docker.ts";
import { haproxyGate } from "../setup/require-haproxy.ts";
import { runPipec, runPipecAsync } from "./run-pipec.ts";
import { removeProject } from "./supervised-helpers.ts";

const REPO = join(import.meta.dirname, "..", "..");
const EXAMPLES = join(REPO, "examples");
const files = readdirSync(EXAMPLES).filter((f) => /\.(pipeline\.ts|ya?ml)$/.test(f)).sort();
const buildOnly = (file: string) => readFileSync(join(EXAMPLES, file), "utf8").split("\n").slice(0, 4).some((line) => line.includes("Build-only here"));
const docker = await dockerGate("examples (docker)");
const haproxy = await haproxyGate("examples (haproxy)");

let project: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "pipec-examples-"));
  cpSync(EXAMPLES, join(project, "examples"), { recursive: true });
  mkdirSync(join(project, "test", "setup", "images"), { recursive: true });
  cpSync(join(REPO, "test", "setup", "images", "node-app"), join(project, "test", "setup", "images", "node-app"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: project });
});
// The examples' deployments outlive their runs: each is stopped, and nothing of the project may be left running.
afterAll(async () => {
  if (project) await removeProject(project, { docker: docker.run });
}, 240_000);

const run = (args: readonly string[]) => runPipec(args, { cwd: project });
const ok = (result: { code: number | null; stdout: string; stderr: string }) => expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

describe("examples", () => {
  it("are build-only only where they say so", () => {
    expect(files.filter(buildOnly)).toEqual(["fan-out.pipeline.ts", "yaml-pipeline.yaml"]);
  });

  it.each(files)("%s builds", (file) => {
    const result = run(["build", join("examples", file)]);
    expect(result.stderr).toBe("");
    ok(result);
  });

  describe.runIf(docker.run)("run as shipped", () => {
    beforeAll(() => docker.assertAvailable());

    it("hello.pipeline.ts", () => {
      const result = run(["run", "examples/hello.pipeline.ts", "--executor", "docker"]);
      ok(result);
      expect(result.stdout).toContain("hello from pipec on");
    });

    it("matrix.pipeline.ts: every expansion, then the summary", () => {
      const result = run(["run", "examples/matrix.pipeline.ts", "--executor", "docker"]);
      ok(result);
      for (const line of ["shard 1 on busybox", "shard 2 on node", "shard 4 on busybox", "every test job has finished"]) expect(result.stdout).toContain(line);
      expect(result.stdout).not.toContain("shard 3 on node");
      expect(result.stdout).toMatch(/v\d+\.\d+\.\d+/); // node -e process.version in node:20
    });

    it.runIf(haproxy.run)("deployments.pipeline.ts: first deploy, then an update of each strategy with --var APP_VERSION=v2", () => {
      haproxy.assertAvailable();
      ok(run(["run", "examples/deployments.pipeline.ts", "--executor", "docker"]));
      const update = run(["run", "examples/deployments.pipeline.ts", "--executor", "docker", "--var", "APP_VERSION=v2"]);
      ok(update);
      expect(update.stdout).toContain('[demo-site] post-promotion-1 "smoke-errors": result 0 <= max 0.05 (successful)');
      expect(update.stdout).toContain('[demo-worker] analysis-1 "smoke-errors": result 0 <= max 0.05 (successful)');
      for (const name of ["demo-api", "demo-site", "demo-worker"]) expect(update.stdout).toContain(`[${name}] ok in`);
    }, 240_000);

    it("canary-release.pipeline.ts: v1, v2 approved from another process, v3 rolled back, status and undo", async () => {
      ok(run(["run", "examples/canary-release.pipeline.ts"]));

      const v2 = runPipecAsync(["run", "examples/canary-release.pipeline.ts", "--var", "APP_VERSION=v2"], { cwd: project });
      let approved = false;
      for (let i = 0; i < 120 && !approved; i++) {
        await sleep(500);
        approved = (await runPipecAsync(["approve", "last", "go-live"], { cwd: project })).code === 0;
      }
      expect(approved).toBe(true);
      const second = await v2;
      ok(second);
      expect(second.stdout).toContain("[smoke] v2");

      const v3 = run(["run", "examples/canary-release.pipeline.ts", "--var", "APP_VERSION=v3", "--var", "APP_ERROR_RATE=0.5"]);
      expect(v3.code).toBe(1);
      expect(v3.stdout).toMatch(/smoke-errors.*(failed|Failed)/);

      const status = run(["deploy", "status", "web"]);
      ok(status);
      expect(status.stdout).toContain("web");
      ok(run(["deploy", "undo", "web"]));
    }, 240_000);
  });
});
