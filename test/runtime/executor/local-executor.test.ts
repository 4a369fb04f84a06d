/** What only the local executor does: process groups on the host, and what it refuses. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalExecutor } from "../../../runtime/executor/index.ts";
import { runJob, tempWorkspace, type JobOptions } from "./harness.ts";

const runId = `local-exec-${process.pid}`;
let workspace: { dir: string; remove: () => Promise<void> };

beforeEach(async () => {
  workspace = await tempWorkspace();
});
afterEach(async () => {
  await workspace.remove();
});

const options = (rest: Omit<JobOptions, "workspace" | "runId" | "baseEnv">): JobOptions => ({
  workspace: workspace.dir,
  runId,
  baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  ...rest,
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("local executor", () => {
  it("ignores images", async () => {
    const result = await runJob(createLocalExecutor(), options({ image: "no-such/image:1", steps: [{ run: "echo ok", image: "other:2" }] }));
    expect(result.outcome).toEqual({ outcome: "success" });
  });

  it("refuses jobs with services, saying which executor can run them", async () => {
    const result = await runJob(
      createLocalExecutor(),
      options({ services: [{ name: "db", image: "postgres:16", command: null, env: {}, readyCommand: null }], steps: [{ run: "true" }] }),
    );
    expect(result.outcome).toMatchObject({ outcome: "failed", message: expect.stringMatching(/has services \(db\).*docker executor/) });
  });

  it("refuses a working directory outside the workspace", async () => {
    const result = await runJob(createLocalExecutor(), options({ steps: [{ run: "pwd", workingDirectory: "../..", name: "escape" }] }));
    expect(result.outcome).toMatchObject({
      outcome: "failed",
      message: 'step "escape": working directory "../.." is outside the workspace; use a path relative to it',
    });
  });

  it("fails clearly when the workspace is missing", async () => {
    await workspace.remove();
    const result = await runJob(createLocalExecutor(), options({ steps: [{ run: "true", name: "build" }] }));
    expect(result.outcome).toMatchObject({ outcome: "failed", step: 0, message: expect.stringMatching(/^step "build": working directory "\." does not exist/) });
  });

  it("kills what a step leaves running when the step ends", async () => {
    const result = await runJob(createLocalExecutor(), options({ steps: [{ run: "sleep 30 & echo $!" }] }));
    const pid = Number(result.text("stdout").trim());
    expect(result.outcome).toEqual({ outcome: "success" });
    await expect.poll(() => isAlive(pid), { timeout: 2_000 }).toBe(false);
  });

  it("cleanup() kills the process groups of a run that is still going", async () => {
    const executor = createLocalExecutor();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const job = runJob(executor, options({ onLog: () => started(), steps: [{ run: "echo up; sleep 30" }] }));
    await running;
    expect(await executor.cleanup("another-run")).toBe(0);
    // At least the step's group; the environment-marker sweep that follows may count the group's `sleep` again when
    // it has not exited yet (seen once in CI). That nothing is left is what the last line checks.
    expect(await executor.cleanup(runId)).toBeGreaterThanOrEqual(1);
    const result = await job;
    expect(result.outcome).toMatchObject({ outcome: "failed", exitCode: 137, message: 'step "step-0" failed: killed by SIGKILL (exit 137)' });
    expect(await executor.cleanup()).toBe(0);
  });

  it("streams 100 MB without stalling", async () => {
    let bytes = 0;
    const result = await runJob(createLocalExecutor(), options({ onLog: (_stream, chunk) => (bytes += chunk.length), steps: [{ run: "head -c 104857600 /dev/zero" }] }));
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(bytes).toBe(104_857_600);
  });
});
