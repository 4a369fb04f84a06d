/**
 * Bad input and hard ends around a kept deployment's supervisor, through the real binary (host
 * processes, so no Docker): undo with nothing to go back to, a supervisor killed hard (status "down",
 * then `deploy up` and the next run restore the last healthy revision), the pid file and control
 * socket it left, a pid file naming another program, the router's port taken by another program, an
 * unknown name. Each a clear message and the right exit code, with the history intact.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentDir, readStatus } from "../../runtime/deploy/history/index.ts";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import { controlSocketPath, readSupervisorPid, supervisorPidPath } from "../../runtime/deploy/supervisor/index.ts";
import { runPipecAsync } from "./run-pipec.ts";
import { alive, removeProject, stopSupervisor } from "./supervised-helpers.ts";
import { writeCanaryProject } from "./canary-project.ts";


describe("a kept deployment's supervisor: hard ends and bad input", () => {
  let dir: string;
  let port: number;
  const revisions = () => readFileSync(join(deploymentDir(dir, "web"), "revisions.json"), "utf8");
  const pipec = (...args: string[]) => runPipecAsync(args, { cwd: dir, timeoutMs: 120_000 });
  const answer = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-supervisor-faults-"));
    port = await freePort();
    writeCanaryProject(dir, { port, steps: `[{ setWeight: 50 }]` });
  });
  afterAll(() => removeProject(dir), 240_000);

  it("undo with no previous healthy revision says so (exit 1); the deployment keeps serving and its history is intact", async () => {
    const first = await pipec("run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck");
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect((await answer()).trim()).toBe("v1");
    const before = revisions();
    const undo = await pipec("deploy", "undo", "web");
    expect(undo.code).toBe(1);
    expect(undo.stderr).toBe('pipec deploy undo: deployment "web" has no healthy revision before revision 1 with a different target: there is nothing to go back to\n');
    expect(revisions()).toBe(before);
    expect((await answer()).trim()).toBe("v1");
  }, 240_000);

  it("after kill -9 of the supervisor, status says down (text and --json); deploy up restores the last healthy revision", async () => {
    const pid = readSupervisorPid(dir, "web")!;
    expect(alive(pid)).toBe(true);
    process.kill(pid, "SIGKILL");
    await expect.poll(() => alive(pid)).toBe(false);
    // Left by the crash: the pid file and the control socket.
    expect(existsSync(supervisorPidPath(dir, "web"))).toBe(true);
    expect(existsSync(controlSocketPath(dir, "web"))).toBe(true);

    const status = await pipec("deploy", "status", "web");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`serving: +no, down: by pid ${pid} .* is gone`));
    expect(JSON.parse((await pipec("deploy", "status", "web", "--json")).stdout)).toMatchObject({ state: "down", serving: false });

    const before = revisions();
    const up = await pipec("deploy", "up", "web");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/up: "web" serves the target of revision 1 again; the router confirms r2 100%/);
    expect((await answer()).trim()).toBe("v1");
    const next = readSupervisorPid(dir, "web")!;
    expect(next).not.toBe(pid);
    expect(alive(next)).toBe(true);
    // The history keeps every revision it had, and records the restore.
    const kept = (JSON.parse(before) as { revisions: unknown[] }).revisions;
    expect((JSON.parse(revisions()) as { revisions: unknown[] }).revisions.slice(0, kept.length)).toEqual(kept);

    const again = await pipec("deploy", "up", "web");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^deployment "web" is serving already: the router confirms r2 100%/);
  }, 240_000);

  it("the next run takes over from a supervisor killed hard (its pid file and socket left), and from a pid file naming another program", async () => {
    const pid = readSupervisorPid(dir, "web")!;
    process.kill(pid, "SIGKILL");
    await expect.poll(() => alive(pid)).toBe(false);
    const run = await pipec("run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v2");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await answer()).trim()).toBe("v2");
    const next = readSupervisorPid(dir, "web")!;
    expect(alive(next)).toBe(true);

    // A pid file that names a live program which is not pipec's supervisor (this test) is stale too.
    await stopSupervisor(dir, "web");
    writeFileSync(supervisorPidPath(dir, "web"), `${process.pid}\n`);
    const up = await pipec("deploy", "up", "web");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(readSupervisorPid(dir, "web")).not.toBe(process.pid);
    expect((await answer()).trim()).toBe("v2");
  }, 240_000);

  it("a router port taken by another program fails the run in words (exit 1), leaves no supervisor, keeps the history", async () => {
    const stop = await pipec("deploy", "stop", "web");
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", () => resolve()));
    try {
      const before = JSON.parse(revisions()) as { revisions: unknown[] };
      const run = await pipec("run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", "APP_VERSION=v3");
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(new RegExp(`the builtin router could not start on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*another program listens there \\(see: ss -ltnp\\): stop it, or give the deployment another router\\.listen`));
      expect(run.stdout + run.stderr).not.toMatch(/\n +at /);
      const after = JSON.parse(revisions()) as { revisions: unknown[] };
      expect(after.revisions.slice(0, before.revisions.length)).toEqual(before.revisions);
      await expect.poll(() => existsSync(supervisorPidPath(dir, "web")), { timeout: 10_000 }).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 240_000);

  it("up, undo and stop of an unknown name are bad input (exit 2)", async () => {
    for (const command of ["up", "undo", "stop"]) {
      const unknown = await pipec("deploy", command, "nope");
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`pipec deploy ${command}: no deployment "nope" in .pipec/deployments (deployments: web) (see pipec deploy status)\n`);
    }
  }, 240_000);
});

describe("a kept deployment's warm revision whose instances died", () => {
  let dir: string;
  let port: number;
  const pipec = (...args: string[]) => runPipecAsync(args, { cwd: dir, timeoutMs: 120_000 });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-warm-dead-"));
    port = await freePort();
    writeCanaryProject(dir, { port, steps: `[]` });
  });
  afterAll(() => removeProject(dir), 240_000);

  it("undo says the warm instances cannot take the traffic, starts the revision again (cold) and keeps the one it left warm", async () => {
    for (const version of ["v1", "v2"]) {
      const run = await pipec("run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", `APP_VERSION=${version}`);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    await expect.poll(() => readStatus(dir, "web")?.warmRevision, { timeout: 10_000 }).toBe(1);
    const warm = readStatus(dir, "web")!.instances.filter((i) => i.role === "warm");
    expect(warm).toHaveLength(1);
    // The warm instance's process group dies (an out-of-memory kill, say).
    process.kill(-Number(/@(\d+)$/.exec(warm[0]!.driverId ?? "")?.[1]), "SIGKILL");

    const undo = await pipec("deploy", "undo", "web");
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/the warm instances of revision 1 cannot take the traffic \(warm-1 .*\): starting revision 1's target again \(cold undo\)/);
    expect(undo.stdout).toMatch(/is back on the target of revision 1 \(it was on revision 2\) in \d+ ms, started again \(no warm instances\); the router confirms r3 100%/);
    expect((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim()).toBe("v1");
    // The cold undo's promotion keeps revision 2 warm in turn.
    await expect.poll(() => readStatus(dir, "web")?.warmRevision, { timeout: 10_000 }).toBe(2);
  }, 240_000);
});
