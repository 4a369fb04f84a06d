/** Control files: what `pipec approve | promote | abort` write, what the loop takes, and the messages when a run does not wait. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ControlError, recordWaiting, sendControlRequest, takeControlRequests, writeControlRequest } from "../../../../runtime/run/control/index.ts";

describe("deployment control files", () => {
  let project: string;
  let runDir: string;
  const runId = "20260101-000000-abcd";
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-control-"));
    runDir = join(project, ".pipec", "runs", runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "events.jsonl"), "");
  });
  afterEach(() => {
    recordWaiting(runDir, runId, "ship", null);
    recordWaiting(runDir, runId, "api", null);
    rmSync(project, { recursive: true, force: true });
  });

  const waitAt = (job: string, gates: string[], inProgress = true) =>
    recordWaiting(runDir, runId, job, { deployment: job === "ship" ? "web" : job, phase: gates.length > 0 ? "Paused" : "Progressing", message: gates.length > 0 ? `waiting for approval "${gates[0]}"` : "analysis running", gates, inProgress });

  it("takes requests oldest first and removes them; a broken file is reported, not fatal", () => {
    writeControlRequest(runDir, "ship", { type: "promote", full: false });
    writeControlRequest(runDir, "ship", { type: "approve", gate: "go-live" });
    writeFileSync(join(runDir, "control", "ship", "999999999999999-zzzz.json"), "{not json");
    const taken = takeControlRequests(runDir, "ship");
    expect(taken.requests).toEqual([{ type: "promote", full: false }, { type: "approve", gate: "go-live" }]);
    expect(taken.problems).toEqual([expect.stringMatching(/^ignored control request 999999999999999-zzzz\.json/)]);
    expect(takeControlRequests(runDir, "ship")).toEqual({ requests: [], problems: [] });
    expect(takeControlRequests(runDir, "other")).toEqual({ requests: [], problems: [] });
  });

  it("delivers an approval to the deployment waiting at that gate, once the loop takes it", async () => {
    waitAt("ship", ["go-live"]);
    const loop = setInterval(() => takeControlRequests(runDir, "ship"), 20);
    try {
      const sent = await sendControlRequest({ projectDir: project, run: "last", request: { type: "approve", gate: "go-live" } });
      expect(sent).toEqual({ runId, job: "ship", manual: null, deployment: "web", delivered: true });
    } finally {
      clearInterval(loop);
    }
  });

  it.each([
    ["a run that does not exist", (): void => undefined, "nope", { type: "approve", gate: "go-live" }, /^no run nope in \.pipec\/runs/],
    ["a run without deployments", (): void => undefined, runId, { type: "promote", full: false }, /has no deployment in progress$/],
    ["a run waiting at another gate", (): void => waitAt("ship", ["release"]), runId, { type: "approve", gate: "go-live" }, /is not waiting at gate "go-live": job ship \(deployment web\) is Paused: waiting at gate "release"/],
    ["a run past its verdict", (): void => waitAt("ship", [], false), runId, { type: "abort", reason: null }, /has no deployment in progress: job ship \(deployment web\) is Progressing: its rollout is over/],
    ["two deployments in progress", (): void => (waitAt("ship", []), waitAt("api", [])), runId, { type: "promote", full: true }, /several deployments .*\((ship, api|api, ship)\): name one with --job/],
  ] as const)("refuses %s with a clear message", async (_case, setup, run, request, message) => {
    setup();
    const error = await sendControlRequest({ projectDir: project, run, request, waitMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses a run that has finished", async () => {
    waitAt("ship", ["go-live"]);
    writeFileSync(join(runDir, "state.json"), "{}");
    await expect(sendControlRequest({ projectDir: project, run: runId, request: { type: "approve", gate: "go-live" } })).rejects.toThrow(`run ${runId} has finished`);
  });

  it("says when the request was written but not taken (the run is busy)", async () => {
    waitAt("ship", ["go-live"]);
    const sent = await sendControlRequest({ projectDir: project, run: runId, job: "ship", request: { type: "approve", gate: "go-live" }, waitMs: 100 });
    expect(sent.delivered).toBe(false);
    expect(takeControlRequests(runDir, "ship").requests).toEqual([{ type: "approve", gate: "go-live" }]);
  });
});
