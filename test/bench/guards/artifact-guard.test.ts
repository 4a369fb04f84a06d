import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tallyStoredArtifact, tallyTree } from "../../../bench/artifact-tally.ts";
import { guardTallies, guardTally } from "../../../bench/guards/artifact-guard.ts";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";

describe("guardTally on hand-written counts", () => {
  const data = { files: 3, bytes: 300 };

  it("the data set's counts are valid, anything else INVALID with both counts", () => {
    expect(guardTally("the restored tree on disk", data, { files: 3, bytes: 300 })).toEqual({ valid: true });
    expect(guardTally("the restored tree on disk", data, { files: 3, bytes: 299 })).toEqual({
      valid: false,
      reason: "the restored tree on disk has 3 files, 299 bytes; the data set has 3 files, 300 bytes",
    });
    expect(guardTally("the store's objects on disk", data, { files: 0, bytes: 0 }).valid).toBe(false);
  });

  it("guardTallies names the first count that is off", () => {
    const verdict = guardTallies(data, [
      { where: "the restore's report", tally: data },
      { where: "the restored tree on disk", tally: { files: 2, bytes: 200 } },
    ]);
    expect(verdict).toEqual({ valid: false, reason: "the restored tree on disk has 2 files, 200 bytes; the data set has 3 files, 300 bytes" });
  });
});

/** Real measurements: a real store collects and restores real files; then a stored object or a restored file is damaged. */
describe("artifact tallies of a real store", () => {
  let dir: string;
  const data = { files: 3, bytes: 100 + 200 + 300 };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-artifact-guard-"));
    mkdirSync(join(dir, "ws", "files", "sub"), { recursive: true });
    writeFileSync(join(dir, "ws", "files", "a.bin"), "a".repeat(100));
    writeFileSync(join(dir, "ws", "files", "b.bin"), "b".repeat(200));
    writeFileSync(join(dir, "ws", "files", "sub", "c.bin"), "c".repeat(300));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function collectAndRestore(name: string): Promise<{ store: string; id: string; dest: string }> {
    const storeRoot = join(dir, `${name}-store`);
    const store = openArtifactStore(storeRoot);
    const result = await store.collect(join(dir, "ws"), { paths: ["files"] }, { name: "data", job: "bench", runId: name, pipeline: "guard-test" });
    if (result.kind !== "stored") throw new Error(result.message);
    const dest = join(dir, `${name}-restored`);
    await store.restore(result.record.id, dest);
    return { store: storeRoot, id: result.record.id, dest };
  }

  it("a whole collect and restore is valid", async () => {
    const { store, id, dest } = await collectAndRestore("whole");
    expect(await tallyStoredArtifact(store, id)).toEqual(data);
    expect(await tallyTree(dest)).toEqual(data);
    expect(guardTallies(data, [{ where: "the store's objects on disk", tally: await tallyStoredArtifact(store, id) }, { where: "the restored tree on disk", tally: await tallyTree(dest) }])).toEqual({ valid: true });
  });

  it("a truncated store is INVALID", async () => {
    const { store, id } = await collectAndRestore("truncated");
    const object = storeLayout(store).object(createDigest("c".repeat(300)));
    chmodSync(object, 0o644);
    truncateSync(object, 10);
    const verdict = guardTally("the store's objects on disk", data, await tallyStoredArtifact(store, id));
    expect(verdict).toEqual({ valid: false, reason: "the store's objects on disk has 3 files, 310 bytes; the data set has 3 files, 600 bytes" });
  });

  it("a restore that left a file out is INVALID", async () => {
    const { dest } = await collectAndRestore("partial");
    unlinkSync(join(dest, "files", "sub", "c.bin"));
    expect(guardTally("the restored tree on disk", data, await tallyTree(dest))).toEqual({
      valid: false,
      reason: "the restored tree on disk has 2 files, 300 bytes; the data set has 3 files, 600 bytes",
    });
    expect(await tallyTree(join(dir, "nothing-here"))).toEqual({ files: 0, bytes: 0 });
  });
});

const createDigest = (text: string): string => createHash("sha256").update(text).digest("hex");
