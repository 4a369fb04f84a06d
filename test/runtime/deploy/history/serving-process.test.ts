/**
 * A pid in status.json is only the serving pipec process while that very process runs: after a
 * reboot (or a long time) the pid may be another program's. `deploy status` then says "down", not
 * "serving". Real processes: a `sleep` holding the pid, a `node … deploy serve web` for old statuses.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processStartTime } from "../../../../runtime/artifacts/process-identity.ts";
import { deploymentDir, deploymentView, readRevisions, readStatus, writeStatus, type DeploymentStatus } from "../../../../runtime/deploy/history/index.ts";
import { runPipecAsync } from "../../../cli/run-pipec.ts";

const status = (pid: number, pidStartedAt?: string | null): DeploymentStatus => ({
  name: "web",
  strategy: "canary",
  revision: 1,
  stableRevision: null,
  warmRevision: null,
  phase: "Healthy",
  pausedReason: null,
  message: "serving",
  weights: { r1: 100 },
  listen: "127.0.0.1:1",
  previewListen: null,
  instances: [],
  serving: true,
  pid,
  ...(pidStartedAt === undefined ? {} : { pidStartedAt }),
  runId: null,
  job: null,
  pipeline: "ship",
  updatedAt: new Date().toISOString(),
});

describe("deploy status: is the recorded pid still the serving pipec process?", () => {
  let dir: string;
  let sleeper: ChildProcess;
  let supervisorLike: ChildProcess;
  const stateOf = (written: DeploymentStatus) => {
    writeStatus(dir, written);
    return deploymentView(written.name, readStatus(dir, written.name), readRevisions(dir, written.name)).state;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-serving-pid-"));
    sleeper = spawn("sleep", ["300"], { stdio: "ignore" });
    supervisorLike = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "deploy", "serve", "web"], { stdio: "ignore" });
  });
  afterAll(() => {
    if (sleeper.pid !== undefined) process.kill(sleeper.pid, "SIGTERM");
    if (supervisorLike.pid !== undefined) process.kill(supervisorLike.pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("says down when the pid is another live program, started after the one that wrote the status", () => {
    const pid = sleeper.pid!;
    expect(processStartTime(pid)).not.toBeNull();
    // Written by this process; the pid is now the sleep's (as after a reboot).
    expect(stateOf(status(pid, processStartTime(process.pid)))).toBe("down");
    // The same pid with its real start time is the serving process.
    expect(stateOf(status(pid, processStartTime(pid)))).toBe("serving");
  });

  it("says down for a status without a start time (older pipec) unless the pid runs `deploy serve NAME`", () => {
    expect(stateOf(status(sleeper.pid!))).toBe("down");
    expect(stateOf(status(supervisorLike.pid!))).toBe("serving");
    expect(stateOf({ ...status(supervisorLike.pid!), name: "api" })).toBe("down");
  });

  it("pipec deploy status prints down, not serving, for a pid file naming another program", async () => {
    writeStatus(dir, status(sleeper.pid!, processStartTime(process.pid)));
    writeFileSync(join(deploymentDir(dir, "web"), "revisions.json"), JSON.stringify({ name: "web", revisions: [] }));
    const result = await runPipecAsync(["deploy", "status", "--json"], { cwd: dir, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([{ name: "web", state: "down", serving: false }]);
  }, 60_000);
});
