/**
 * The loop with process targets (the node-app test server as host processes): the job's signal, the
 * approval gate through the run's control files, an approval timeout, promote --full, and what the
 * history and status files say.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWaiting, sendControlRequest } from "../../../../runtime/run/control/index.ts";
import { readRevisions, readStatus } from "../../../../runtime/deploy/history/index.ts";
import { stopAllServing } from "../../../../runtime/deploy/loop/index.ts";
import type { DeploymentInput } from "../../../../runtime/plan/schema.ts";
import { Project, waitFor } from "../scenarios/harness.ts";
import { nodeAppCopy } from "../target/helpers.ts";

describe("runDeployment with process targets", () => {
  let project: Project;
  let app: { file: string; remove: () => Promise<void> };
  beforeAll(async () => {
    project = await Project.create();
    app = await nodeAppCopy();
  });
  afterAll(async () => {
    await stopAllServing();
    await project.remove();
    await app.remove();
  });

  const canary = (name: string, version: string, steps: Extract<DeploymentInput, { strategy: "canary" }>["steps"]): DeploymentInput => ({
    strategy: "canary",
    name,
    target: { kind: "process", command: ["node", app.file], env: { VERSION: version } },
    router: { listen: "127.0.0.1:0" },
    healthCheck: { http: { path: "/healthz" }, intervalMs: 100 },
    scaleDownDelayMs: 0,
    abortScaleDownDelayMs: 0,
    drainTimeoutMs: 2_000,
    steps,
  });

  async function firstDeploy(name: string): Promise<void> {
    const first = await project.deploy(canary(name, "v1", []));
    expect(await first.outcome).toEqual({ outcome: "success" });
    await first.stop();
  }

  it("a name belongs to the pipeline that deployed it: another pipeline is refused (both named, history intact); takeOver passes and takes the name", async () => {
    const shop = await project.deploy(canary("owned", "v1", []), { pipeline: "shop" });
    expect(await shop.outcome).toEqual({ outcome: "success" });
    await shop.stop();
    await expect(project.deploy(canary("owned", "v2", []), { pipeline: "blog" })).rejects.toThrow(
      'deployment \\"owned\\" belongs to pipeline \\"shop\\" (revision 1); pipeline \\"blog\\" may not deploy it. Give one of them another deployment name, or set takeOver: true on pipeline \\"blog\\"\'s deployment \\"owned\\" to take it over',
    );
    expect(readRevisions(project.dir, "owned").map((r) => [r.revision, r.status, r.pipeline])).toEqual([[1, "healthy", "shop"]]);

    const blog = await project.deploy({ ...canary("owned", "v2", []), takeOver: true }, { pipeline: "blog" });
    expect(await blog.outcome).toEqual({ outcome: "success" });
    expect(blog.lines.join("\n")).toMatch(/pipeline "blog" takes deployment "owned" over from pipeline "shop" \(takeOver: true\); its revision 1 is the stable version to shift from/);
    expect(readStatus(project.dir, "owned")?.pipeline).toBe("blog");
    await blog.stop();
    expect(readRevisions(project.dir, "owned").map((r) => [r.revision, r.status, r.pipeline])).toEqual([
      [1, "healthy", "shop"],
      [2, "healthy", "blog"],
    ]);
    await expect(project.deploy(canary("owned", "v3", []), { pipeline: "shop" })).rejects.toThrow(/belongs to pipeline \\"blog\\" \(revision 2\); pipeline \\"shop\\" may not deploy it/);
  });

  it("a router port taken by another program: a clear message with what to do, recorded in the history", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      await expect(project.deploy({ ...canary("taken", "v1", []), router: { listen: `127.0.0.1:${port}` } })).rejects.toThrow(
        new RegExp(`the builtin router could not start on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*; another program listens there \\(see: ss -ltnp\\): stop it, or give the deployment another router\\.listen`),
      );
      expect(readRevisions(project.dir, "taken").map((r) => [r.revision, r.status])).toEqual([[1, "failed"]]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("the job's cancel aborts: traffic back on stable, outcome cancelled, revision recorded as cancelled", async () => {
    await firstDeploy("cancel");
    const job = new AbortController();
    const second = await project.deploy(canary("cancel", "v2", [{ kind: "setWeight", weight: 50 }, { kind: "pause", durationMs: null }]), { signal: job.signal });
    await waitFor(() => second.handle.snapshot().phase === "Paused", 10_000, () => second.lines.join("\n"));
    job.abort("cancel");
    const outcome = await second.outcome;
    expect(outcome).toMatchObject({ outcome: "cancelled", message: expect.stringMatching(/aborted because the job was cancelled: aborted: the job was cancelled at weight 50%/) });
    expect(await second.handle.router.readWeights()).toEqual({ r1: 100, r2: 0 });
    expect(readRevisions(project.dir, "cancel").map((r) => [r.revision, r.status])).toEqual([
      [1, "healthy"],
      [2, "cancelled"],
    ]);
    await second.stop();
    expect(readStatus(project.dir, "cancel")).toMatchObject({ serving: false, revision: 2, stableRevision: 1, instances: [] });
  });

  it("waits at an approval gate (waiting.json) until pipec approve arrives through the run's control files", async () => {
    await firstDeploy("gate");
    const runId = "20260101-000000-gate";
    const runDir = join(project.dir, ".pipec", "runs", runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "events.jsonl"), "");
    const second = await project.deploy(canary("gate", "v2", [{ kind: "setWeight", weight: 50 }, { kind: "approval", name: "go-live" }]), { runId, jobId: "ship" });
    await waitFor(() => readWaiting(runDir)?.deployments.ship?.gates.includes("go-live") === true, 10_000, () => second.lines.join("\n"));
    // status.json follows within a poll (200 ms).
    await expect.poll(() => readStatus(project.dir, "gate")).toMatchObject({ serving: true, phase: "Paused", pausedReason: "approval", weights: { r1: 50, r2: 50 }, runId, job: "ship" });
    const sent = await sendControlRequest({ projectDir: project.dir, run: runId, request: { type: "approve", gate: "go-live" } });
    expect(sent).toMatchObject({ job: "ship", deployment: "gate", delivered: true });
    expect(await second.outcome).toEqual({ outcome: "success" });
    expect(second.lines).toContain("received pipec approve go-live");
    expect(second.events.filter((e) => e.type === "deploy.status").map((e) => e.type === "deploy.status" && e.phase)).toEqual(expect.arrayContaining(["Progressing", "Paused", "Promoting", "Healthy"]));
    await second.stop();
    expect(readWaiting(runDir)?.deployments).toEqual({});
  });

  it("pipec promote and pipec abort reach the loop through the control files", async () => {
    await firstDeploy("steer");
    const runId = "20260101-000000-steer";
    const runDir = join(project.dir, ".pipec", "runs", runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "events.jsonl"), "");
    const steps = [{ kind: "setWeight", weight: 30 }, { kind: "pause", durationMs: null }, { kind: "setWeight", weight: 60 }, { kind: "pause", durationMs: null }] as const;
    const second = await project.deploy(canary("steer", "v2", [...steps]), { runId, jobId: "steer" });
    const pausedAt = (weight: number) => second.handle.snapshot().phase === "Paused" && second.handle.snapshot().weights?.canary === weight;
    await waitFor(() => pausedAt(30), 10_000, () => second.lines.join("\n"));
    expect(await sendControlRequest({ projectDir: project.dir, run: runId, request: { type: "promote", full: false } })).toMatchObject({ delivered: true });
    await waitFor(() => pausedAt(60), 10_000, () => second.lines.join("\n"));
    expect(await sendControlRequest({ projectDir: project.dir, run: runId, request: { type: "abort", reason: null } })).toMatchObject({ delivered: true });
    expect(await second.outcome).toMatchObject({ outcome: "failed", message: expect.stringMatching(/by request \(pipec abort\) at weight 60%; traffic is back on the stable revision 1/) });
    expect(await second.handle.router.readWeights()).toEqual({ r1: 100, r2: 0 });
    await second.stop();
  });

  it("an approval that times out aborts the rollout (the engine decides, the loop rolls back)", async () => {
    await firstDeploy("timeout");
    const second = await project.deploy(canary("timeout", "v2", [{ kind: "setWeight", weight: 20 }, { kind: "approval", name: "release", timeoutMs: 500, onTimeout: "abort" }]));
    const outcome = await second.outcome;
    expect(outcome).toMatchObject({ outcome: "failed", message: expect.stringMatching(/approval "release" timed out after 500ms at weight 20%; traffic is back on the stable revision 1/) });
    expect(await second.handle.router.readWeights()).toEqual({ r1: 100, r2: 0 });
    await second.stop();
  });

  it("promote --full skips the remaining pauses and approvals", async () => {
    await firstDeploy("full");
    const second = await project.deploy(canary("full", "v2", [{ kind: "setWeight", weight: 10 }, { kind: "pause", durationMs: null }, { kind: "approval", name: "never" }]));
    await waitFor(() => second.handle.snapshot().phase === "Paused", 10_000, () => second.lines.join("\n"));
    second.handle.observe({ type: "promote", full: true });
    expect(await second.outcome).toEqual({ outcome: "success" });
    expect(await second.handle.router.readWeights()).toEqual({ r1: 0, r2: 100 });
    await second.stop();
  });

  it("a target that exits at once fails the deployment with its output, and the old version keeps serving", async () => {
    await firstDeploy("crash");
    const crashing: DeploymentInput = { ...canary("crash", "v2", [{ kind: "setWeight", weight: 50 }]), target: { kind: "process", command: ["node", "-e", "console.error('boom: missing config'); process.exit(3)"] } };
    const second = await project.deploy(crashing);
    const outcome = await second.outcome;
    expect(outcome).toMatchObject({ outcome: "failed", message: expect.stringMatching(/boom: missing config/) });
    expect(await second.handle.router.readWeights()).toEqual({ r1: 100, r2: 0 });
    await second.stop();
  });
});
