/** Faults around deployment control: a mistaken `last` gets a message that names the run that does wait. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ControlError, recordWaiting, sendControlRequest } from "../../../runtime/run/control/index.ts";

describe("pipec approve|promote|abort last, when a later run is the newest", () => {
  let project: string;
  const waitingRun = "20260101-000000-aaaa";
  const laterRun = "20260101-000001-bbbb";
  const dirOf = (run: string) => join(project, ".pipec", "runs", run);
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-deploy-faults-"));
    for (const run of [waitingRun, laterRun]) {
      mkdirSync(dirOf(run), { recursive: true });
      writeFileSync(join(dirOf(run), "events.jsonl"), "");
    }
    // The deployment waits at "go" in the earlier run; the later run (refused by the name's lock, or another pipeline) has finished.
    recordWaiting(dirOf(waitingRun), waitingRun, "ship", { deployment: "web", phase: "Paused", message: 'waiting for approval "go"', gates: ["go"], inProgress: true });
    writeFileSync(join(dirOf(laterRun), "state.json"), "{}");
  });
  afterEach(() => {
    recordWaiting(dirOf(waitingRun), waitingRun, "ship", null);
    rmSync(project, { recursive: true, force: true });
  });

  it.each([
    [{ type: "approve", gate: "go" }, `pipec approve ${waitingRun} go`],
    [{ type: "promote", full: true }, `pipec promote ${waitingRun} --full`],
    [{ type: "abort", reason: null }, `pipec abort ${waitingRun}`],
  ] as const)("%o: refused for the finished run, naming the waiting one", async (request, command) => {
    const error = await sendControlRequest({ projectDir: project, run: "last", request, waitMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).code).toBe("CONTROL_RUN_ENDED");
    expect((error as Error).message).toBe(
      `run ${laterRun} has finished: there is no deployment to ${request.type}; run ${waitingRun} (job ship, deployment web) could take it: ${command}`,
    );
  });

  it("names no run when none waits for that gate", async () => {
    const error = await sendControlRequest({ projectDir: project, run: "last", request: { type: "approve", gate: "other" }, waitMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`run ${laterRun} has finished: there is no deployment to approve`);
  });

  it("an explicit run id gets no hint", async () => {
    const error = await sendControlRequest({ projectDir: project, run: laterRun, request: { type: "approve", gate: "go" }, waitMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`run ${laterRun} has finished: there is no deployment to approve`);
  });
});
