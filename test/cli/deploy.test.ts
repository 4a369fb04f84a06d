/**
 * End to end through the real binary: `pipec run` of a canary pipeline (process target, so it needs
 * no Docker) that waits at an approval gate, `pipec approve` from a second process, `pipec deploy
 * status` and `pipec deploy undo`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWaiting } from "../../runtime/run/control/index.ts";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import { readStatus } from "../../runtime/deploy/history/index.ts";
import { listRunIds, runDir } from "../../runtime/run/index.ts";
import { portOpen } from "../runtime/deploy/target/helpers.ts";
import { PIPEC, runPipec } from "./run-pipec.ts";
import { alive, processesOf, removeProject } from "./supervised-helpers.ts";
import { writeCanaryProject } from "./canary-project.ts";


async function waitFor<T>(read: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("pipec run with a canary deployment, pipec approve, pipec deploy", () => {
  let dir: string;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-deploy-e2e-"));
    port = await freePort();
    writeCanaryProject(dir, { port, steps: `[{ setWeight: 50 }, { approval: { name: "release", timeout: "2m" } }]` });
  });
  // Every deployment stopped, then no process of the project may be left (a leak fails here).
  afterAll(() => removeProject(dir), 120_000);

  it("deploys v1 first, then waits at the gate until pipec approve, and finishes healthy on v2", async () => {
    const first = runPipec(["run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/first deploy of "web"/);

    const child = spawn(process.execPath, [PIPEC, "run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v2"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    try {
      const runId = await waitFor(() => listRunIds(dir).find((id) => readWaiting(runDir(dir, id))?.deployments.web?.gates.includes("release")), 30_000, `the gate (stdout: ${stdout} stderr: ${stderr})`);

      // Both versions serve at 50% while the gate is open.
      const answers = new Set<string>();
      for (let i = 0; i < 10; i++) answers.add((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim());
      expect([...answers].sort()).toEqual(["v1", "v2"]);

      const wrong = runPipec(["approve", runId, "go-live"], { cwd: dir });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(new RegExp(`run ${runId} is not waiting at gate "go-live": job web \\(deployment web\\) is Paused: waiting at gate "release"`));

      const status = runPipec(["deploy", "status", "web"], { cwd: dir });
      expect(status.stdout).toMatch(/phase: +Paused \(approval\): waiting for approval "release"/);
      expect(status.stdout).toMatch(/r1 50%, r2 50%/);

      const approve = runPipec(["approve", runId, "release"], { cwd: dir });
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stdout).toMatch(`approved gate "release": deployment "web" (job web) of run ${runId}`);

      expect(await exited, stdout + stderr).toBe(0);
      expect(stdout).toMatch(/received pipec approve release/);
      expect(stdout).toMatch(/Healthy: promoted/);

      const late = runPipec(["approve", runId, "release"], { cwd: dir });
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(`run ${runId} has finished`);
    } finally {
      // Gracefully, so that the run stops what it deployed (SIGKILL would leave its host processes).
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }
    }

    // The run is over; its deployment serves on, from its supervisor.
    const after = runPipec(["deploy", "status", "web"], { cwd: dir });
    expect(after.stdout).toMatch(new RegExp(`serving: +127\\.0\\.0\\.1:${port}, by pid ${readStatus(dir, "web")!.pid} `));
    expect(readStatus(dir, "web")!.pid).not.toBe(child.pid);
    expect(after.stdout).toMatch(/stable: +revision 2/);
    expect(runPipec(["deploy", "status"], { cwd: dir }).stdout).toMatch(new RegExp(`^web +revision 2 +stable 2 +Healthy, serving on 127\\.0\\.0\\.1:${port} \\(r2 100%\\)`, "m"));
    expect((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim()).toBe("v2");
  }, 120_000);

  it("host processes left by a supervisor killed hard are stopped by the next run in the project", async () => {
    const child = spawn(process.execPath, [PIPEC, "run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v4"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    const exited = new Promise<unknown>((resolve) => child.once("close", resolve));
    const before = new Set(listRunIds(dir));
    const runId = await waitFor(() => listRunIds(dir).find((id) => !before.has(id) && readWaiting(runDir(dir, id))?.deployments.web?.gates.includes("release")), 30_000, "the gate");
    // The rollout's instances (stable and canary), the ones it took the router over from (serving
    // until its verdict) and the warm revision's: status.json lists them all, for the reaper.
    let groups = await waitFor(() => {
      const instances = readStatus(dir, "web")?.instances ?? [];
      const ids = instances.map((i) => Number(/@(\d+)$/.exec(i.driverId ?? "")?.[1])).filter((n) => n > 0);
      return ["canary", "stable", "handover", "warm"].every((kind) => instances.some((i) => i.role === kind || i.id.startsWith(`${kind}-`))) && ids.length === instances.length ? ids : undefined;
    }, 10_000, "the instances in status.json");
    // The deployment's supervisor is killed hard: the run's rollout ends without an answer.
    process.kill(readStatus(dir, "web")!.pid, "SIGKILL");
    await exited;
    expect(groups.every((pgid) => alive(pgid))).toBe(true);
    // status.json as the kill left it lists every instance process that exists (those still starting too,
    // from the moment they were spawned): the rollout may have started more since the wait above.
    // (One not spawned yet has no id: it has no process.)
    const left = (readStatus(dir, "web")?.instances ?? []).map((i) => Number(/@(\d+)$/.exec(i.driverId ?? "")?.[1])).filter((n) => n > 0);
    expect(left).toEqual(expect.arrayContaining(groups));
    expect(left.every((pgid) => alive(pgid))).toBe(true);
    groups = left;

    const next = runPipec(["run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v2"], { cwd: dir });
    expect(next.stderr).toMatch(new RegExp(`stopped deployment\\(s\\) web, left serving by a pipec process that ended hard: ${groups.length} instance\\(s\\)`));
    await expect.poll(() => groups.filter((pgid) => alive(pgid)), { timeout: 5_000 }).toEqual([]);
    const revisions = JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: dir }).stdout) as { revisions: { runId: string | null; status: string; reason: string | null }[] };
    expect(revisions.revisions.find((r) => r.runId === runId)).toMatchObject({ status: "cancelled", reason: "its pipec process ended before a verdict" });
  }, 120_000);

  it("pipec deploy undo goes back to the previous revision's target at once", () => {
    const undo = runPipec(["deploy", "undo", "web"], { cwd: dir });
    expect(undo.code, undo.stderr + undo.stdout).toBe(0);
    expect(undo.stdout).toMatch(/undo: "web" is back on the target of revision 1 \(it was on revision 4\)/);
    expect(undo.stdout).not.toMatch(/approval/);
    const json = JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: dir }).stdout) as { stableRevision: number; revisions: { revision: number; status: string; undoOf: number | null; env: Record<string, string> }[] };
    // Newest first, as the text lists them.
    expect(json.revisions[0]).toMatchObject({ revision: 5, status: "healthy", undoOf: 1, env: { VERSION: "v1" } });
    expect(json.stableRevision).toBe(5);
    const none = runPipec(["deploy", "undo", "nope"], { cwd: dir });
    expect(none.code).toBe(2); // a mistyped NAME is bad input, as for deploy status
    expect(none.stderr).toMatch(/no deployment "nope"/);
  });

  it("pipec deploy stop from another terminal takes a served deployment down (no process, no port); deploy logs tells; stopping again, or an unknown name, says so", async () => {
    const child = spawn(process.execPath, [PIPEC, "run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v7"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    try {
      const before = new Set(listRunIds(dir));
      await waitFor(() => listRunIds(dir).find((id) => !before.has(id) && readWaiting(runDir(dir, id))?.deployments.web?.gates.includes("release")), 30_000, `the gate (${output})`);
      // During a takeover: the rollout's instances, the previous session's (serving until the verdict) and the warm revision's.
      const groups = await waitFor(() => {
        const instances = readStatus(dir, "web")?.instances ?? [];
        const ids = instances.map((i) => Number(/@(\d+)$/.exec(i.driverId ?? "")?.[1])).filter((n) => n > 0);
        return instances.some((i) => i.id.startsWith("handover-")) && instances.some((i) => i.role === "canary") && ids.length === instances.length ? ids : undefined;
      }, 10_000, "the instances in status.json");
      expect(await portOpen(port)).toBe(true);
      const supervisor = readStatus(dir, "web")!.pid;

      const stop = runPipec(["deploy", "stop", "web"], { cwd: dir });
      expect(stop.code, stop.stderr + stop.stdout).toBe(0);
      expect(stop.stdout).toMatch(new RegExp(`^stopped deployment "web": ${groups.length} instance\\(s\\) stopped, router 127\\.0\\.0\\.1:${port} closed \\(it was served by pid ${supervisor}\\)$`, "m"));
      expect(await portOpen(port)).toBe(false);
      // Every one of them: nothing of the project runs once deploy stop has answered.
      expect(groups.filter((pgid) => alive(pgid))).toEqual([]);
      // The rollout was stopped before its verdict: the run's deploy job fails and says why.
      expect(await exited, output).toBe(1);
      expect(output).toMatch(/stopped before a verdict/);
      expect(processesOf(dir)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    }
    expect(runPipec(["deploy", "status", "web"], { cwd: dir }).stdout).toMatch(/serving: +no/);
    const logs = runPipec(["deploy", "logs", "web"], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/first deploy of "web"/);
    expect(logs.stdout).toMatch(/^\S+Z r\d+ \S+ pipec deploy stop web: stopping it now \(before the rollout's verdict\)$/m);
    expect(logs.stdout).toMatch(/stopping deployment "web"/);

    const again = runPipec(["deploy", "stop", "web"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^deployment "web" is not serving: nothing to stop/);
    for (const command of ["stop", "logs"]) {
      const unknown = runPipec(["deploy", command, "nope"], { cwd: dir });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`pipec deploy ${command}: no deployment "nope" in .pipec/deployments (deployments: web) (see pipec deploy status)\n`);
    }
  }, 120_000);

  it("another pipeline deploying the same name is refused, naming both pipelines; the history stays as it was", () => {
    const ship = readFileSync(join(dir, "ship.pipeline.ts"), "utf8");
    writeFileSync(join(dir, "blog.pipeline.ts"), ship.replace('pipeline("ship"', 'pipeline("blog"'));
    const before = JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: dir }).stdout) as { pipeline: string; revisions: unknown[] };
    expect(before.pipeline).toBe("ship");
    const blog = runPipec(["run", "blog.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir });
    expect(blog.code, blog.stdout + blog.stderr).toBe(1);
    expect(blog.stdout + blog.stderr).toMatch(/deployment "web" belongs to pipeline "ship" \(revision \d+, run \S+\); pipeline "blog" may not deploy it\. .*set takeOver: true on pipeline "blog"'s deployment "web"/);
    expect(blog.stdout + blog.stderr).not.toMatch(/\n +at /);
    expect(JSON.parse(runPipec(["deploy", "status", "web", "--json"], { cwd: dir }).stdout)).toEqual(before);
  });
});
