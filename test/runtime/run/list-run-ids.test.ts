import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listRunIds, RunStoreError, RUNS_DIR } from "../../../runtime/run/run-store.ts";

describe("listRunIds", () => {
  let project: string;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), "pipec-run-ids-"));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  const makeRun = (id: string): void => {
    mkdirSync(join(project, RUNS_DIR, id), { recursive: true });
    writeFileSync(join(project, RUNS_DIR, id, "events.jsonl"), "");
  };

  it("lists runs newest first by their second, and runs of one second by when they were made", async () => {
    makeRun("20261124-153011-0000");
    makeRun("20261124-153012-ffff");
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Started later in the same second; its random suffix sorts before the other one's.
    makeRun("20261124-153012-0001");
    makeRun("20261124-153013-aaaa");
    expect(listRunIds(project)).toEqual(["20261124-153013-aaaa", "20261124-153012-0001", "20261124-153012-ffff", "20261124-153011-0000"]);
  });

  it("skips folders without an event log and answers [] without a runs folder", () => {
    expect(listRunIds(project)).toEqual([]);
    mkdirSync(join(project, RUNS_DIR, "20261124-153011-0000"), { recursive: true });
    expect(listRunIds(project)).toEqual([]);
  });

  it("says why it cannot read the runs instead of answering 'no runs' (a file in the way)", () => {
    writeFileSync(join(project, ".pipec"), "not a folder");
    expect(() => listRunIds(project)).toThrow(RunStoreError);
    expect(() => listRunIds(project)).toThrow(/cannot read the runs in .*: a file is in the way/);
  });
});
