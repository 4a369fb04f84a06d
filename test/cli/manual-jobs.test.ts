/**
 * End to end: manual jobs (`approval:` on a job) with the real binary on a git repository made here.
 * The run waits at the job while the other branch goes on, says so in its output and events, and
 * takes `pipec approve RUN NAME` from a second process; a timeout aborts or promotes; Ctrl-C ends the wait.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noStackTrace, PIPEC, runPipec } from "./run-pipec.ts";

type Event = Record<string, unknown> & { type: string };
const parse = (stdout: string): Event[] => stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((line) => JSON.parse(line) as Event);

const projects: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  projects.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-manual-"));
  projects.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "first");
  return dir;
}

const TS = (approval: string) => `import { job, pipeline } from "pipec";
const build = job("build", { image: "unused", steps: ["echo built"] });
const release = job("release", { image: "unused", needs: [build], approval: ${approval}, steps: ["echo releasing"] });
const docs = job("docs", { image: "unused", steps: ["sleep 1", "echo docs done"] });
export default pipeline("manual", { jobs: [build, release, docs] });
`;

/** Starts `pipec run --json` and resolves each event as it comes. */
function start(dir: string, file: string, extra: string[] = []) {
  const child = spawn(process.execPath, [PIPEC, "run", file, "--executor", "local", "--no-typecheck", "--json", ...extra], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let stdout = "";
  let stderr = "";
  const waiters: { test: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const event of parse(stdout)) for (const w of [...waiters]) if (w.test(event)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    event: (test: (e: Event) => boolean) => new Promise<Event>((resolve) => {
      const seen = parse(stdout).find(test);
      if (seen) resolve(seen);
      else waiters.push({ test, resolve });
    }),
    done: async () => ({ code: await exited, events: parse(stdout), stderr }),
  };
}

describe("manual jobs", { timeout: 120_000 }, () => {
  it("wait for pipec approve while the other branch runs, then run; the wait is in the events and waiting.json", async () => {
    const dir = project({ "ci.pipeline.ts": TS(`{ name: "ship-it" }`) });
    const run = start(dir, "ci.pipeline.ts");
    const waiting = await run.event((e) => e.type === "job.approval" && e.state === "waiting");
    const runId = waiting.runId as string;
    expect(waiting).toMatchObject({ job: "release", name: "ship-it", timeoutAt: null, command: `pipec approve ${runId} ship-it` });
    // The other branch is not held up by the wait.
    await run.event((e) => e.type === "job.finished" && e.job === "docs");
    const file = JSON.parse(readFileSync(join(dir, ".pipec", "runs", runId, "waiting.json"), "utf8")) as { deployments: Record<string, { kind: string; gates: string[] }> };
    expect(file.deployments.release).toMatchObject({ kind: "job", gates: ["ship-it"] });

    const wrong = runPipec(["approve", runId, "ship"], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`pipec approve: run ${runId} is not waiting at gate "ship": job release is waiting for approval "ship-it"`);
    const approve = runPipec(["approve", runId, "ship-it"], { cwd: dir });
    expect(approve.stderr).toBe("");
    expect(approve.code).toBe(0);
    expect(approve.stdout).toBe(`approved gate "ship-it": job release of run ${runId}\n`);

    const { code, events } = await run.done();
    expect(code).toBe(0);
    const approval = events.filter((e) => e.type === "job.approval").map((e) => e.state);
    expect(approval).toEqual(["waiting", "approved"]);
    const finished = events.filter((e) => e.type === "job.finished").map((e) => e.job);
    expect(finished.indexOf("docs")).toBeLessThan(finished.indexOf("release"));
    expect(events.find((e) => e.type === "job.finished" && e.job === "release")).toMatchObject({ status: "success" });
    expect(events.some((e) => e.type === "job.log" && e.job === "release" && e.text === "releasing")).toBe(true);
    const late = runPipec(["approve", runId, "ship-it"], { cwd: dir });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("has finished");
  });

  it("fail at the timeout (onTimeout abort, the default), and run at it with promote; the YAML dialect alike", async () => {
    const dir = project({
      "abort.pipeline.ts": TS(`{ timeout: "2s" }`),
      "pipeline.yaml": "name: manual-yaml\njobs:\n  release:\n    image: unused\n    approval: { name: go, timeout: 1s, on_timeout: promote }\n    steps: [echo promoted]\n",
    });
    const aborted = await start(dir, "abort.pipeline.ts").done();
    expect(aborted.code).toBe(1);
    const release = aborted.events.find((e) => e.type === "job.finished" && e.job === "release");
    expect(release).toMatchObject({ status: "failed", reason: 'approval "release" was not given within 2s (onTimeout: abort)' });
    expect(aborted.events.filter((e) => e.type === "job.approval").map((e) => e.state)).toEqual(["waiting", "timed-out"]);

    const promoted = await start(dir, "pipeline.yaml").done();
    expect(promoted.code).toBe(0);
    expect(promoted.events.find((e) => e.type === "job.approval")).toMatchObject({ name: "go" });
    expect(promoted.events.find((e) => e.type === "job.finished" && e.job === "release")).toMatchObject({ status: "success" });
  });

  it("say they wait in the plain output, and end cancelled on Ctrl-C (exit 130)", async () => {
    const dir = project({ "ci.pipeline.ts": TS(`{ name: "ship-it", timeout: "1h" }`) });
    const child = spawn(process.execPath, [PIPEC, "run", "ci.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    for (let i = 0; i < 600 && !out.includes("waiting for approval"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/\[release\] waiting for approval "ship-it" until \d{4}-\d\d-\d\dT[\d:.]+Z: pipec approve \S+ ship-it/);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(out).toMatch(/\[release\] approval "ship-it" cancelled/);
    expect(out).toMatch(/\[release\] cancelled .*run interrupted/);
    noStackTrace(err);
    const runId = /run (\S+)\n/.exec(err)?.[1] ?? "";
    expect(existsSync(join(dir, ".pipec", "runs", runId, "state.json"))).toBe(true);
  });

  it("refuse a misspelled approval option at its line, in both front ends", () => {
    const dir = project({
      "ci.pipeline.ts": TS(`{ name: "go", onTimeout: "later" as "abort" }`),
      "pipeline.yaml": "name: bad\njobs:\n  release:\n    image: unused\n    approval: { name: go, on_timeout: later }\n    steps: [echo x]\n",
    });
    const ts = runPipec(["build", "ci.pipeline.ts", "--no-typecheck"], { cwd: dir });
    expect(ts.code).toBe(2);
    expect(ts.stderr).toMatch(/ci\.pipeline\.ts:3:\d+.*approval\.onTimeout/);
    const yaml = runPipec(["build", "pipeline.yaml"], { cwd: dir });
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/pipeline\.yaml:5:\d+.*on_timeout/);
    noStackTrace(ts.stderr + yaml.stderr);
  });
});
