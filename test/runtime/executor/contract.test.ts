/**
 * The executor contract, run against both executors: the same job gives the same outcome, events
 * and output whether its steps run as host processes or in containers.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectDocker, runLabels } from "../../../runtime/docker/index.ts";
import { createDockerExecutor, createLocalExecutor, type Executor } from "../../../runtime/executor/index.ts";
import { TEST_IMAGES, dockerGate } from "../../setup/require-docker.ts";
import { eventTrail, runJob, tempWorkspace, type JobOptions, type Recording } from "./harness.ts";

const docker = await dockerGate("executor contract (docker)");
const runId = `contract-${process.pid}-${Date.now().toString(36)}`;

interface Flavour {
  readonly name: "local" | "docker";
  readonly run: boolean;
  readonly create: () => Executor;
  readonly image: string | null;
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Where the workspace is, as the step sees it. */
  readonly workspaceInStep: (hostDir: string) => string;
}

const flavours: Flavour[] = [
  {
    name: "local",
    run: true,
    create: createLocalExecutor,
    image: null,
    baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    workspaceInStep: (dir) => dir,
  },
  {
    name: "docker",
    run: docker.run,
    create: () => createDockerExecutor(connectDocker(), { pullPolicy: "never" }),
    image: TEST_IMAGES.busybox,
    baseEnv: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    workspaceInStep: () => "/workspace",
  },
];

describe.each(flavours)("$name executor", (flavour) => {
  describe.runIf(flavour.run)("contract", () => {
    let executor: Executor;
    let workspace: { dir: string; remove: () => Promise<void> };

    beforeAll(() => {
      if (flavour.name === "docker") docker.assertAvailable();
      executor = flavour.create();
    });
    beforeEach(async () => {
      workspace = await tempWorkspace();
    });
    afterEach(async () => {
      await workspace.remove();
    });
    afterAll(async () => {
      if (flavour.name === "docker" && docker.available) {
        // Every container is removed as its step ends: nothing of this run may be left.
        expect(await connectDocker().removeByLabel(runLabels(runId))).toBe(0);
      }
    });

    const run = (options: Omit<JobOptions, "workspace" | "runId" | "baseEnv" | "image">): Promise<Recording> =>
      runJob(executor, { image: flavour.image, workspace: workspace.dir, runId, baseEnv: flavour.baseEnv, ...options });

    it("keeps stdout and stderr apart, per step", async () => {
      const result = await run({ steps: [{ run: "echo out; echo err >&2" }, { run: "echo second" }] });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(result.text("stdout", 0)).toBe("out\n");
      expect(result.text("stderr", 0)).toBe("err\n");
      expect(result.text("stdout", 1)).toBe("second\n");
      expect(eventTrail(result.events)).toEqual(["0:started#1", "0:finished#1:success:0", "1:started#1", "1:finished#1:success:0"]);
    });

    it("gives the step its environment", async () => {
      const result = await run({ steps: [{ run: 'echo "$GREETING $WHO"', env: { GREETING: "hello", WHO: "a b  c" } }] });
      expect(result.text("stdout")).toBe("hello a b  c\n");
    });

    it("runs the step in its working directory", async () => {
      await mkdir(`${workspace.dir}/packages/app`, { recursive: true });
      const result = await run({ steps: [{ run: "pwd", workingDirectory: "packages/app" }, { run: "pwd" }] });
      expect(result.text("stdout", 0)).toBe(`${flavour.workspaceInStep(workspace.dir)}/packages/app\n`);
      expect(result.text("stdout", 1)).toBe(`${flavour.workspaceInStep(workspace.dir)}\n`);
    });

    it("fails clearly when the working directory does not exist", async () => {
      const result = await run({ steps: [{ run: "true", workingDirectory: "nope", name: "build" }] });
      expect(result.outcome).toMatchObject({ outcome: "failed", step: 0 });
      expect(result.outcome.outcome === "failed" && result.outcome.message).toMatch(/step "build": working directory "nope" does not exist/);
    });

    it("shares the workspace between steps and with the host", async () => {
      await writeFile(`${workspace.dir}/input.txt`, "from host\n");
      const result = await run({
        steps: [{ run: "mkdir -p out && cat input.txt > out/result.txt && echo step1 >> out/result.txt" }, { run: "cat out/result.txt" }],
      });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(result.text("stdout", 1)).toBe("from host\nstep1\n");
      expect(await readFile(`${workspace.dir}/out/result.txt`, "utf8")).toBe("from host\nstep1\n");
    });

    it("stops at a failing step, reporting its exit code; later steps do not run", async () => {
      const result = await run({ steps: [{ run: "echo one" }, { run: "echo two; exit 3", name: "two" }, { run: "echo three" }] });
      expect(result.outcome).toEqual({ outcome: "failed", exitCode: 3, step: 1, message: 'step "two" failed with exit code 3' });
      expect(eventTrail(result.events)).toEqual([
        "0:started#1",
        "0:finished#1:success:0",
        "1:started#1",
        "1:finished#1:failed:3",
        "2:skipped",
      ]);
      expect(result.text("stdout", 2)).toBe("");
    });

    it("stops at the first failing command of a script (sh -e)", async () => {
      const result = await run({ steps: [{ run: "false\necho not reached" }] });
      expect(result.outcome).toMatchObject({ outcome: "failed", exitCode: 1 });
      expect(result.text("stdout")).toBe("");
    });

    it("goes on after a step with continueOnFailure", async () => {
      const result = await run({ steps: [{ run: "exit 2", continueOnFailure: true }, { run: "echo after" }] });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(result.text("stdout", 1)).toBe("after\n");
      expect(eventTrail(result.events)).toContain("0:finished#1:failed:2");
    });

    it("asks shouldRun, with whether an earlier step failed", async () => {
      const asked: boolean[] = [];
      const result = await run({
        steps: [
          { run: "echo never", shouldRun: (failed) => (asked.push(failed), false) },
          { run: "exit 4" },
          { run: "echo skipped" },
          { run: "echo cleanup", shouldRun: (failed) => (asked.push(failed), true) },
        ],
      });
      expect(asked).toEqual([false, true]);
      expect(result.outcome).toMatchObject({ outcome: "failed", exitCode: 4, step: 1 });
      expect(eventTrail(result.events)).toEqual([
        "0:skipped",
        "1:started#1",
        "1:finished#1:failed:4",
        "2:skipped",
        "3:started#1",
        "3:finished#1:success:0",
      ]);
      expect(result.text("stdout")).toBe("cleanup\n");
    });

    it("times a step out: SIGTERM first", async () => {
      const result = await run({ stopGraceMs: 20_000, steps: [{ run: "echo started; sleep 30", timeoutMs: 500, name: "slow" }] });
      expect(result.outcome).toEqual({ outcome: "timed-out", step: 0, message: 'step "slow" timed out after 500ms' });
      expect(result.elapsedMs).toBeLessThan(5_000); // far below the grace: SIGTERM was enough
      expect(eventTrail(result.events)).toEqual(["0:started#1", expect.stringMatching(/^0:finished#1:timed-out:/)]);
    });

    it("times a step out: SIGKILL after the grace when SIGTERM is ignored", async () => {
      // The timeout leaves the step's shell time to set its trap even on a loaded machine (a SIGTERM
      // that came first would end it at once, which is not what this checks).
      const result = await run({ stopGraceMs: 500, steps: [{ run: "trap '' TERM; sleep 30", timeoutMs: 1_000 }] });
      expect(result.outcome).toMatchObject({ outcome: "timed-out", step: 0 });
      expect(result.elapsedMs).toBeGreaterThanOrEqual(1_450);
      expect(result.elapsedMs).toBeLessThan(6_700);
    });

    it("ends a step with its shell: background processes do not keep it running", async () => {
      const result = await run({ steps: [{ run: "sleep 30 & echo done" }] });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(result.elapsedMs).toBeLessThan(5_000);
    });

    it("is cancelled quickly when the job is aborted", async () => {
      const controller = new AbortController();
      const result = await run({
        signal: controller.signal,
        stopGraceMs: 20_000,
        onLog: (_stream, chunk) => {
          if (chunk.toString().includes("ready")) controller.abort("cancel");
        },
        steps: [{ run: "echo ready; sleep 30", name: "wait" }, { run: "echo never" }],
      });
      expect(result.outcome).toEqual({ outcome: "cancelled", message: 'job cancelled during step "wait"' });
      expect(result.elapsedMs).toBeLessThan(5_000);
      expect(eventTrail(result.events)).toEqual(["0:started#1", expect.stringMatching(/^0:finished#1:cancelled:/)]);
    });

    it("is timed out when the job is aborted for its deadline", async () => {
      const controller = new AbortController();
      const result = await run({
        signal: controller.signal,
        onLog: (_stream, chunk) => {
          if (chunk.toString().includes("ready")) controller.abort("timeout");
        },
        steps: [{ run: "echo ready; sleep 30", name: "wait" }],
      });
      expect(result.outcome).toEqual({ outcome: "timed-out", step: 0, message: 'job timed out during step "wait"' });
    });

    it("runs nothing when the job is aborted before it starts", async () => {
      const controller = new AbortController();
      controller.abort("cancel");
      const result = await run({ signal: controller.signal, steps: [{ run: "echo never" }] });
      expect(result.outcome).toMatchObject({ outcome: "cancelled" });
      expect(result.events).toEqual([]);
    });

    it("retries a step, which succeeds on its second attempt", async () => {
      const result = await run({
        steps: [{ run: "if [ -f marker ]; then echo second; else touch marker; echo first; exit 1; fi", retries: 2, retryOn: ["exit-code"] }],
      });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(result.text("stdout")).toBe("first\nsecond\n");
      expect(eventTrail(result.events)).toEqual(["0:started#1", "0:finished#1:failed:1", "0:started#2", "0:finished#2:success:0"]);
    });

    it("does not retry failures of classes not in retryOn", async () => {
      const result = await run({ steps: [{ run: "exit 5", retries: 2, retryOn: ["timeout"] }] });
      expect(result.outcome).toMatchObject({ outcome: "failed", exitCode: 5 });
      expect(result.events.filter((event) => event.type === "started")).toHaveLength(1);
    });

    it("says when a command is not found", async () => {
      const result = await run({ steps: [{ run: "pipec-no-such-command --flag", name: "x" }] });
      expect(result.outcome).toEqual({ outcome: "failed", exitCode: 127, step: 0, message: 'step "x" failed: command not found (exit 127)' });
      expect(result.text("stderr")).toMatch(/pipec-no-such-command/);
    });

    it("streams 20 MB of output as it comes, without holding it", async () => {
      const size = 20 * 1024 * 1024;
      let bytes = 0;
      let chunks = 0;
      let firstChunkAt = 0;
      let stepEndedAt = 0;
      let peakRss = 0;
      // A first run grows the heap to its working size (the docker attach stream makes garbage in
      // bursts); memory held because of the output would show up on top of that, run after run.
      await run({ onLog: () => {}, steps: [{ run: `head -c ${size} /dev/zero` }] });
      const baselineRss = process.memoryUsage.rss();
      const result = await run({
        onLog: (stream, chunk) => {
          if (stream !== "stdout") return;
          if (chunks === 0) firstChunkAt = performance.now();
          chunks++;
          bytes += chunk.length;
          if (chunks % 16 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        },
        onStep: (event) => {
          if (event.type === "finished") stepEndedAt = performance.now();
        },
        steps: [{ run: `head -c ${size} /dev/zero; sleep 1` }],
      });
      expect(result.outcome).toEqual({ outcome: "success" });
      expect(bytes).toBe(size);
      expect(chunks).toBeGreaterThan(10);
      // The output came while the step still ran (it sleeps for a second after writing).
      expect(stepEndedAt - firstChunkAt).toBeGreaterThan(700);
      // In-process RSS is only steady enough to judge for host processes; through the docker attach
      // stream the engine's bursts make it noisy under load. test/cli/run.test.ts bounds pipec's RSS for
      // both executors from outside, on 100 MB of output.
      if (executor.kind === "local") expect(peakRss - baselineRss).toBeLessThan(size);
    });

    it("passes invalid UTF-8 through byte for byte", async () => {
      const result = await run({ steps: [{ run: "printf '\\377\\376a\\300\\n'; printf '\\200' >&2" }] });
      expect(result.output("stdout")).toEqual(Buffer.from([0xff, 0xfe, 0x61, 0xc0, 0x0a]));
      expect(result.output("stderr")).toEqual(Buffer.from([0x80]));
    });
  });
});
