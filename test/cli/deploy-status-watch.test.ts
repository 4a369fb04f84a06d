/**
 * `pipec deploy status [NAME] --watch`: the real binary on a project whose `.pipec/deployments/` the
 * test writes and rewrites (a pipe, so the plain and NDJSON outputs), and `main` in this process for
 * what a pipe cannot show: the terminal redraw and the end on abort.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import type { Terminal } from "../../cli/output.ts";
import { saveRevision, writeStatus, type DeploymentStatus, type DeploymentView, type Revision } from "../../runtime/deploy/history/index.ts";
import { DeploymentSchema } from "../../runtime/plan/schema.ts";
import { processStartTime } from "../../runtime/artifacts/process-identity.ts";
import { PIPEC, runPipec } from "./run-pipec.ts";

const deployment = DeploymentSchema.parse({ strategy: "canary", name: "web", target: { kind: "process", command: ["node", "server.js"] } });

function revision(n: number): Revision {
  return {
    revision: n,
    deployment,
    target: { kind: "process", command: ["node", "server.js"] },
    env: { VERSION: { value: `v${n}` } },
    digest: `sha256:${String(n).repeat(64)}`,
    status: n === 1 ? "healthy" : "progressing",
    reason: null,
    runId: null,
    job: null,
    pipeline: null,
    undoOf: null,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: null,
    commit: null,
    kind: "rollout",
    promotedAt: null,
    rolledBackAt: null,
    recoveredAt: null,
  };
}

/** A canary of revision 2 over revision 1, served by this (live) process so that the weights show. */
function status(weights: Record<string, number>, phase = "Progressing"): DeploymentStatus {
  return {
    name: "web",
    strategy: "canary",
    revision: 2,
    stableRevision: 1,
    warmRevision: null,
    phase,
    pausedReason: null,
    message: "shifting traffic",
    weights,
    listen: "127.0.0.1:8080",
    previewListen: null,
    instances: [],
    serving: true,
    pid: process.pid,
    // As a serving process records itself, so that a pid reused by another program reads "down".
    pidStartedAt: processStartTime(process.pid),
    runId: null,
    job: null,
    pipeline: null,
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** `pipec ARGS` in the background, its stdout collected; `until` waits for it to match. */
function watchPipec(args: readonly string[], cwd: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [PIPEC, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    stdout: () => stdout,
    async until(done: (stdout: string) => boolean, what: string): Promise<string> {
      const deadline = Date.now() + 5_000;
      while (!done(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${what} (stdout: ${stdout} stderr: ${stderr})`);
        await delay(20);
      }
      return stdout;
    },
    /** Ctrl-C: SIGINT, then the exit code and stderr. */
    async interrupt(): Promise<{ code: number | null; stderr: string }> {
      child.kill("SIGINT");
      return { code: await exited, stderr };
    },
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function captureTerminal(): Terminal & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => void stdout.push(text), err: (text) => void stderr.push(text), color: false };
}

describe("pipec deploy status --watch", () => {
  let project: string;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-status-watch-"));
    saveRevision(project, "web", revision(1), 10);
    saveRevision(project, "web", revision(2), 10);
    writeStatus(project, status({ r1: 90, r2: 10 }));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it("piped: prints the status, nothing while it stays the same, and the new status after a blank line when it changes", async () => {
    const before = runPipec(["deploy", "status", "web"], { cwd: project }).stdout;
    expect(before).toMatch(/weights: +r1 90%, r2 10%/);
    const watch = watchPipec(["deploy", "status", "web", "--watch", "--interval", "100"], project);
    try {
      await watch.until((out) => out === before, "first block");
      await delay(250);
      expect(watch.stdout()).toBe(before);

      writeStatus(project, status({ r1: 50, r2: 50 }));
      const after = runPipec(["deploy", "status", "web"], { cwd: project }).stdout;
      expect(after).toMatch(/weights: +r1 50%, r2 50%/);
      await watch.until((out) => out.length > before.length, "second block");
      await delay(200);
      expect(watch.stdout()).toBe(`${before}\n${after}`);
    } finally {
      await watch.stop();
    }
  });

  it("the binary ends a watch on Ctrl-C with exit code 0 and nothing on stderr", async () => {
    const watch = watchPipec(["deploy", "status", "web", "--watch", "--interval", "100"], project);
    try {
      await watch.until((out) => out.includes("weights:"), "first block");
      expect(await watch.interrupt()).toEqual({ code: 0, stderr: "" });
    } finally {
      await watch.stop();
    }
  });

  it("--json --watch: one compact JSON document per line, each time the status changes", async () => {
    const watch = watchPipec(["deploy", "status", "web", "--json", "--watch", "--interval", "100"], project);
    try {
      await watch.until((out) => out.endsWith("\n"), "first line");
      await delay(250);
      writeStatus(project, status({ r1: 0, r2: 100 }, "Healthy"));
      await watch.until((out) => out.split("\n").length === 3, "second line");
      await delay(250);
      const lines = watch.stdout().split("\n");
      expect(lines.at(-1)).toBe("");
      const documents = lines.slice(0, -1).map((line) => JSON.parse(line) as DeploymentView);
      expect(documents.map((d) => [d.name, d.phase, d.weights, d.revisions.length])).toEqual([
        ["web", "Progressing", { r1: 90, r2: 10 }, 2],
        ["web", "Healthy", { r1: 0, r2: 100 }, 2],
      ]);
      // The same document as without --watch, on one line.
      expect(documents[1]).toEqual(JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: project }).stdout));
    } finally {
      await watch.stop();
    }
  });

  it("text and --json agree field by field (stable is the newest healthy revision in both)", () => {
    // A first deploy that became healthy: the rollout shifted from nothing, and revision 1 is stable.
    saveRevision(project, "web", { ...revision(1), pipeline: "shop" }, 10);
    saveRevision(project, "web", { ...revision(2), status: "healthy", pipeline: "shop", finishedAt: "2026-01-01T00:01:00.000Z" }, 10);
    writeStatus(project, {
      ...status({ r2: 100 }, "Healthy"),
      stableRevision: null,
      pipeline: "shop",
      warmRevision: 1,
      instances: [
        { id: "r2-1", role: "canary", revision: 2, port: 4001, health: "ready", reason: null, driverId: null, command: null, routed: true },
        { id: "warm-1", role: "warm", revision: 1, port: 4002, health: "ready", reason: null, driverId: null, command: null, routed: false },
      ],
    });
    const text = runPipec(["deploy", "status", "web"], { cwd: project }).stdout;
    const json = JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: project }).stdout) as DeploymentView;
    expect(Object.keys(json).sort()).toEqual(
      ["instances", "job", "listen", "message", "name", "pausedReason", "phase", "pid", "pipeline", "previewListen", "revision", "revisions", "rolloutFrom", "runId", "serving", "stableRevision", "state", "strategy", "warmRevision", "weights"].sort(),
    );
    expect(json).toMatchObject({ name: "web", pipeline: "shop", revision: 2, stableRevision: 2, rolloutFrom: null, phase: "Healthy", serving: true, state: "serving", weights: { r2: 100 } });
    const line = (label: string) => new RegExp(`^  ${label}: +(.*)$`, "m").exec(text)?.[1];
    expect(text.split("\n")[0]).toBe(`deployment ${json.name}`);
    expect(line("pipeline")).toBe(json.pipeline);
    expect(line("revision")).toBe(`${json.revision} (${json.strategy})`);
    expect(line("phase")).toBe(`${json.phase}: ${json.message}`);
    expect(line("serving")).toBe(`${json.listen}, by pid ${json.pid}`);
    expect(line("weights")).toBe("r2 100%");
    expect(line("stable")).toBe(`revision ${json.stableRevision}`);
    expect(json.warmRevision).toBe(1);
    expect(line("warm")).toBe(`revision ${json.warmRevision} (running, not routed: pipec deploy undo web switches to it at once)`);
    for (const i of json.instances) expect(text).toContain(`${i.id.padEnd(10)} ${i.role.padEnd(6)} revision ${i.revision}  ${i.address}  ${i.health}`);
    for (const r of json.revisions) {
      expect(text).toContain(`${String(r.revision).padStart(3)}  ${r.status.padEnd(11)} ${r.at}  ${r.target} ${Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(" ")}  ${r.digest} pipeline ${r.pipeline}`);
    }
  });

  it("a status left by a process that is gone reads down, in the text and in --json", () => {
    const dead = spawnSync("true").pid!;
    writeStatus(project, { ...status({ r1: 90, r2: 10 }), pid: dead });
    const text = runPipec(["deploy", "status", "web"], { cwd: project }).stdout;
    const json = JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: project }).stdout) as DeploymentView;
    expect(json).toMatchObject({ state: "down", serving: false, pid: dead, weights: {}, instances: [] });
    expect(text).toMatch(new RegExp(`^  serving: +no, down: by pid ${dead} is gone \\(it ended hard\\) and may have left instances running; pipec deploy stop web stops them`, "m"));
    expect(runPipec(["deploy", "status"], { cwd: project }).stdout).toMatch(new RegExp(`^web +revision 2 +stable 1 +Progressing, down \\(pid ${dead} is gone\\)$`, "m"));
  });

  it("an unknown NAME fails at once, as without --watch", () => {
    const plain = runPipec(["deploy", "status", "nope"], { cwd: project });
    const started = Date.now();
    const watched = runPipec(["deploy", "status", "nope", "--watch"], { cwd: project });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(watched).toEqual(plain);
    expect(watched.code).toBe(2);
    expect(watched.stderr).toBe('pipec deploy status: no deployment "nope" in .pipec/deployments (deployments: web)\n');
  });

  it.each(["abc", "50", "99", "1.5", "1e3", ""])("--interval %j is refused as invalid input, without a stack trace", (value) => {
    const result = runPipec(["deploy", "status", "web", "--watch", `--interval=${value}`], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/--interval takes a whole number of milliseconds, at least 100/);
    expect(result.stderr).not.toMatch(/\n +at /);
  });

  describe("in this process", () => {
    const home = process.cwd();
    beforeEach(() => process.chdir(project));
    afterEach(() => process.chdir(home));

    it("ends with exit code 0 when its signal aborts (Ctrl-C)", async () => {
      const terminal = captureTerminal();
      const controller = new AbortController();
      const code = main(["deploy", "status", "--watch"], { terminal, signal: controller.signal, isTty: false });
      await expect.poll(() => terminal.stdout.length, { timeout: 10_000 }).toBe(1);
      expect(terminal.stdout[0]).toMatch(/^web +revision 2 +stable 1 +Progressing, serving on 127\.0\.0\.1:8080 \(r1 90%, r2 10%\)\n$/);
      const aborted = Date.now();
      controller.abort("SIGINT");
      expect(await code).toBe(0);
      // At once, not at the end of the (default, 1 s) interval.
      expect(Date.now() - aborted).toBeLessThan(500);
      expect(terminal.stderr).toEqual([]);
    });

    it("on a terminal: clears the screen and redraws under an `Every` header at each interval", async () => {
      const terminal = captureTerminal();
      const controller = new AbortController();
      const code = main(["deploy", "status", "web", "--watch", "--interval", "100"], { terminal, signal: controller.signal, isTty: true });
      await expect.poll(() => terminal.stdout.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(3);
      controller.abort("SIGINT");
      expect(await code).toBe(0);
      const plain = captureTerminal();
      expect(await main(["deploy", "status", "web"], { terminal: plain, signal: new AbortController().signal, isTty: true })).toBe(0);
      for (const screen of terminal.stdout) {
        expect(screen.startsWith("\x1b[H\x1b[2J")).toBe(true);
        const [header, blank, ...rest] = screen.slice("\x1b[H\x1b[2J".length).split("\n");
        expect(header).toMatch(/^Every 0\.1s: pipec deploy status web {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        expect(blank).toBe("");
        expect(rest.join("\n")).toBe(plain.stdout.join(""));
      }
    });
  });
});
