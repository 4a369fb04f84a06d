/**
 * Special files in the store's place (a FIFO, a symlink, a directory) are named, never waited on or
 * followed: a FIFO used to block restore in open(), and a second Ctrl-C with it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ArtifactError, ArtifactIntegrityError, type ArtifactStore } from "../../../runtime/artifacts/index.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";
import { META, newStore, tempDir, writeTree } from "./helpers.ts";

async function storeOne(store: ArtifactStore) {
  const result = await store.collect(writeTree(tempDir(), { "app.js": "the bytes of app.js" }), { paths: ["app.js"] }, META);
  if (result.kind !== "stored") throw new Error(result.message);
  let entry;
  for await (const found of store.files(result.record.id)) entry = found;
  if (entry?.kind !== "file") throw new Error("no file entry");
  return { id: result.record.id, manifest: storeLayout(store.root).object(result.record.manifest), object: storeLayout(store.root).object(entry.digest) };
}

const replaceWith: Record<string, (path: string) => void> = {
  "a FIFO": (path) => execFileSync("mkfifo", [path]),
  "a symlink": (path) => symlinkSync("/etc/hostname", path),
  "a directory": (path) => mkdirSync(path),
};

describe("special files in the store", () => {
  it.each(Object.keys(replaceWith))("an object replaced by %s fails the restore at once, naming it, and is dropped", async (kind) => {
    const store = newStore();
    const { id, object } = await storeOne(store);
    rmSync(object);
    replaceWith[kind]!(object);
    const started = Date.now();
    const error = await store.restore(id, tempDir()).catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect((error as Error).message).toMatch(new RegExp(`app\\.js: expected sha256 [0-9a-f]{64}, the stored object is ${kind}, not a regular file\\.`));
    // Dropped, so that storing the same bytes again heals it.
    await expect(store.restore(id, tempDir())).rejects.toThrow(/the stored object is missing/);
  });

  it("a manifest replaced by a FIFO fails the restore at once, naming it", async () => {
    const store = newStore();
    const { id, manifest } = await storeOne(store);
    rmSync(manifest);
    replaceWith["a FIFO"]!(manifest);
    const error = await store.restore(id, tempDir()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as Error).message).toMatch(/\(manifest\): expected sha256 [0-9a-f]{64}, the stored object is a FIFO, not a regular file/);
    expect(await store.verify()).toContainEqual(expect.objectContaining({ kind: "bad-manifest" }));
  });
});
