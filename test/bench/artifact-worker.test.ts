import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { smallFilesLayout, writeSmallFiles } from "../../bench/artifact-data.ts";
import { WORKER_FLAG, WorkerUsageError, parseWorkerArgs, parseWorkerReport, runArtifactWorker, workerArgs, type WorkerCommand } from "../../bench/artifact-worker.ts";

const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("worker arguments", () => {
  it.each<WorkerCommand>([
    { op: "idle", store: "/s" },
    { op: "collect", store: "/s", workspace: "/w", paths: ["a", "b/**"] },
    { op: "restore", store: "/s", id: "ab".repeat(32), dest: "/d" },
  ])("round-trip: $op", (command) => {
    const argv = workerArgs(command);
    expect(argv[0]).toBe(WORKER_FLAG);
    expect(parseWorkerArgs(argv.slice(1))).toEqual(command);
  });

  it.each([[[]], [["idle"]], [["idle", "/s", "extra"]], [["collect", "/s", "/w"]], [["restore", "/s", "id"]], [["gc", "/s"]]])("refuses %j", (argv) => {
    expect(() => parseWorkerArgs(argv)).toThrow(WorkerUsageError);
  });
});

describe("parseWorkerReport", () => {
  const report = { op: "collect", ms: 12.5, rssBeforeMb: 50, peakRssMb: 60, id: "x", files: 2, bytes: 10 };
  it("takes the last JSON line", () => {
    expect(parseWorkerReport(`noise\n${JSON.stringify(report)}\n`)).toEqual(report);
  });
  it("refuses no report or a malformed one", () => {
    expect(() => parseWorkerReport("")).toThrow(/no report/);
    expect(() => parseWorkerReport(JSON.stringify({ ...report, ms: "fast" }))).toThrow(/malformed/);
    expect(() => parseWorkerReport(JSON.stringify({ ...report, op: "gc" }))).toThrow(/malformed/);
  });
});

describe("runArtifactWorker", () => {
  it("collects a tree and restores it byte for byte, with its figures", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pipec-artifact-worker-test-"));
    scratch.push(dir);
    const layout = smallFilesLayout({ count: 12, dirs: 3, minBytes: 1, maxBytes: 300 });
    await writeSmallFiles(join(dir, "ws", "files"), layout);
    const store = join(dir, "store");
    const idle = await runArtifactWorker(["idle", store]);
    expect(idle).toMatchObject({ op: "idle", id: null, files: 0, bytes: 0 });
    const collected = await runArtifactWorker(["collect", store, join(dir, "ws"), "files"]);
    expect(collected).toMatchObject({ op: "collect", files: 12, bytes: layout.reduce((sum, file) => sum + file.size, 0) });
    expect(collected.id).toMatch(/^[0-9a-f]{64}$/);
    expect(collected.ms).toBeGreaterThan(0);
    expect(collected.peakRssMb).toBeGreaterThanOrEqual(collected.rssBeforeMb * 0.5);
    const restored = await runArtifactWorker(["restore", store, collected.id!, join(dir, "out")]);
    expect(restored).toMatchObject({ op: "restore", id: collected.id, files: 12, bytes: collected.bytes });
    for (const file of layout) expect(await readFile(join(dir, "out", "files", file.path))).toEqual(await readFile(join(dir, "ws", "files", file.path)));
    await expect(runArtifactWorker(["collect", store, join(dir, "ws"), "nothing-here"])).rejects.toThrow(/missing/);
  });
});
