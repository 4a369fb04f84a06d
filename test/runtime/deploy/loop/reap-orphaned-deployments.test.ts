/** Deployments left serving by a pipec that ended hard are stopped by the next run of any pipeline in the project. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deploymentDir, readStatus, writeStatus, type DeploymentStatus } from "../../../../runtime/deploy/history/index.ts";
import { reapOrphanedDeployments } from "../../../../runtime/deploy/loop/reap-orphaned-deployments.ts";
import { stopDeployment, stopRequestPath, takeStopRequest } from "../../../../runtime/deploy/loop/stop-deployment.ts";

function status(name: string, pid: number, instance: { pgid: number; command: string[] } | null): DeploymentStatus {
  return {
    name,
    strategy: "canary",
    revision: 2,
    stableRevision: 1,
    warmRevision: null,
    phase: "Progressing",
    pausedReason: null,
    message: "shifting traffic",
    weights: { r1: 90, r2: 10 },
    listen: "127.0.0.1:1",
    previewListen: null,
    instances:
      instance === null
        ? []
        : [{ id: "canary-1", role: "canary", revision: 2, port: 1, health: "ready", reason: null, driverId: `${name}/r2/0@${instance.pgid}`, command: instance.command, routed: true }],
    serving: true,
    pid,
    runId: null,
    job: null,
    pipeline: null,
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("reapOrphanedDeployments", () => {
  let project: string;
  let instance: ChildProcess | undefined;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-orphans-"));
  });
  afterEach(() => {
    if (instance?.pid !== undefined && alive(instance.pid)) process.kill(-instance.pid, "SIGKILL");
    rmSync(project, { recursive: true, force: true });
  });

  it("stops the host process of a deployment whose pipec is gone and says it no longer serves; leaves a live one alone", async () => {
    instance = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
    const pgid = instance.pid!;
    const dead = spawnSync("true").pid;
    writeStatus(project, status("web", dead, { pgid, command: ["sleep", "60"] }));
    writeStatus(project, status("api", process.pid, null));
    for (const name of ["web", "api"]) writeFileSync(join(deploymentDir(project, name), "revisions.json"), JSON.stringify({ name, revisions: [] }));

    const reaped = await reapOrphanedDeployments(project);
    expect(reaped).toEqual({ names: ["web"], instances: 1, problems: [] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(pgid)).toBe(false);
    expect(readStatus(project, "web")).toMatchObject({ serving: false, instances: [], message: expect.stringMatching(/ended without stopping it/) });
    expect(readStatus(project, "api")).toMatchObject({ serving: true });
    expect(await reapOrphanedDeployments(project)).toEqual({ names: [], instances: 0, problems: [] });
  });

  it("pipec deploy stop of a deployment whose pipec died stops what it left (and a stale stop request is not taken by another process)", async () => {
    instance = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
    const pgid = instance.pid!;
    const dead = spawnSync("true").pid;
    writeStatus(project, status("web", dead, { pgid, command: ["sleep", "60"] }));
    writeFileSync(join(deploymentDir(project, "web"), "revisions.json"), JSON.stringify({ name: "web", revisions: [] }));
    expect(await stopDeployment({ projectDir: project, name: "web" })).toEqual({ kind: "reaped", pid: dead, listen: "127.0.0.1:1", instances: 1, problems: [] });
    await expect.poll(() => alive(pgid)).toBe(false);
    expect(await stopDeployment({ projectDir: project, name: "web" })).toMatchObject({ kind: "not-serving" });
    writeFileSync(stopRequestPath(project, "web"), JSON.stringify({ pid: dead, requestedAt: "2026-01-01T00:00:00.000Z" }));
    expect(takeStopRequest(project, "web", process.pid)).toBe(false);
    expect(takeStopRequest(project, "web", dead)).toBe(true);
    expect(takeStopRequest(project, "web", dead)).toBe(false);
  });
});
