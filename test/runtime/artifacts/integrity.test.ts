import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactIntegrityError, ArtifactUnsafePathError, type ArtifactStore } from "../../../runtime/artifacts/index.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";
import { manifestLines, type ManifestEntry } from "../../../runtime/artifacts/manifest.ts";
import { putObject } from "../../../runtime/artifacts/object-store.ts";
import { artifactId, type ArtifactRecord } from "../../../runtime/artifacts/record.ts";
import { META, newStore, tempDir, writeTree } from "./helpers.ts";

async function storeOne(store: ArtifactStore, tree: Record<string, string>) {
  const ws = writeTree(tempDir(), tree);
  const result = await store.collect(ws, { paths: Object.keys(tree) }, META);
  if (result.kind !== "stored") throw new Error(result.message);
  return result.record;
}

function flipByte(path: string, at = 0): void {
  chmodSync(path, 0o644);
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
}

/** A consistent forgery: a manifest stored as a proper object and a record naming it. */
async function forge(store: ArtifactStore, entries: ManifestEntry[]): Promise<string> {
  const layout = storeLayout(store.root);
  const manifest = await putObject(layout, manifestLines(entries));
  const id = artifactId({ ...META, manifest: manifest.digest });
  const record: ArtifactRecord = { version: 1, id, ...META, manifest: manifest.digest, files: entries.length, bytes: 0, createdAt: new Date().toISOString(), expiresAt: null };
  writeFileSync(layout.record(id), JSON.stringify(record));
  return id;
}

describe("integrity", () => {
  it("fails a restore from a corrupt object naming the artifact, the file, and both hashes, writing no damaged file", async () => {
    const store = newStore();
    const record = await storeOne(store, { "app.js": "good bytes", "other.js": "fine" });
    const entries = [];
    for await (const entry of store.files(record.id)) entries.push(entry);
    const app = entries.find((e) => e.path === "app.js");
    if (app?.kind !== "file") throw new Error("no app.js");
    const objectPath = storeLayout(store.root).object(app.digest);
    flipByte(objectPath);

    const out = tempDir();
    const error = await store.restore(record.id, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    const integrity = error as ArtifactIntegrityError;
    expect(integrity.detail).toMatchObject({ artifact: "build.dist", id: record.id, path: "app.js", expected: app.digest });
    expect(integrity.detail.actual).toMatch(/^[0-9a-f]{64}$/);
    expect(integrity.detail.actual).not.toBe(app.digest);
    expect(integrity.message).toContain(`app.js: expected sha256 ${app.digest}, got sha256 ${integrity.detail.actual}`);
    expect(integrity.message).toContain("artifact build.dist");
    expect(existsSync(join(out, "app.js"))).toBe(false);
    expect(readdirSync(out).filter((name) => name.includes(".pipec-"))).toEqual([]);
  });

  it("verify reports a corrupt object, a missing object and a damaged manifest", async () => {
    const store = newStore();
    const layout = storeLayout(store.root);
    expect(await store.verify()).toEqual([]);
    const a = await storeOne(store, { "a.txt": "aaaa" });
    const b = await storeOne(store, { "b.txt": "bbbb" });
    expect(await store.verify()).toEqual([]);
    const fileOf = async (id: string) => {
      for await (const entry of store.files(id)) if (entry.kind === "file") return entry;
      throw new Error("no file");
    };
    const aFile = await fileOf(a.id);
    const bFile = await fileOf(b.id);
    flipByte(layout.object(aFile.digest));
    const problems = await store.verify();
    expect(problems).toEqual([
      expect.objectContaining({ kind: "corrupt-object", id: a.id, artifact: "build.dist", path: "a.txt", expected: aFile.digest, actual: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(problems[0]!.message).toContain(`a.txt: expected sha256 ${aFile.digest}, got`);
    // The damaged object is dropped, so the next verify sees it missing, and collecting the bytes again stores them.
    expect((await store.verify()).map((p) => p.kind)).toEqual(["missing-object"]);
    const again = await store.collect(writeTree(tempDir(), { "a.txt": "aaaa" }), { paths: ["a.txt"] }, { ...META, runId: "run-2" });
    expect(again.kind === "stored" && again.newObjects).toBe(1);
    expect(await store.verify()).toEqual([]);

    flipByte(layout.object(b.manifest), 3);
    expect((await store.verify()).map((p) => [p.kind, p.id])).toEqual([["bad-manifest", b.id]]);
    expect(bFile.size).toBe(4);
  });

  it("checks the manifest against the record before trusting it", async () => {
    const store = newStore();
    const record = await storeOne(store, { "a.txt": "a" });
    flipByte(storeLayout(store.root).object(record.manifest), 5);
    await expect(store.restore(record.id, tempDir())).rejects.toThrow(/\(manifest\): expected sha256/);
  });

  describe("a tampered manifest never writes outside the destination", () => {
    it.each([["../x"], ["a/../../x"], ["/tmp/x"], ["a//b"], ["./a"]])("refuses the path %s", async (path) => {
      const store = newStore();
      const good = await storeOne(store, { "a.txt": "payload" });
      let digest = "";
      for await (const entry of store.files(good.id)) if (entry.kind === "file") digest = entry.digest;
      const id = await forge(store, [{ path, kind: "file", mode: 0o644, size: 7, digest }]);
      const parent = tempDir();
      const dest = join(parent, "dest");
      await expect(store.restore(id, dest)).rejects.toThrow(ArtifactUnsafePathError);
      expect(readdirSync(parent)).toEqual(["dest"]);
      expect(existsSync("/tmp/x")).toBe(false);
    });

    it("refuses a symlink leading out, and a file written through an existing symlink leading out", async () => {
      const store = newStore();
      const good = await storeOne(store, { "a.txt": "payload" });
      let digest = "";
      for await (const entry of store.files(good.id)) if (entry.kind === "file") digest = entry.digest;
      const outside = tempDir();

      const link = await forge(store, [{ path: "up", kind: "symlink", target: "../.." }]);
      await expect(store.restore(link, tempDir())).rejects.toThrow(/symlink up -> \.\.\/\.\. is refused/);

      const dest = writeTree(tempDir(), { escape: { link: outside } });
      const through = await forge(store, [{ path: "escape/pwned.txt", kind: "file", mode: 0o644, size: 7, digest }]);
      await expect(store.restore(through, dest)).rejects.toThrow(/escape leads outside the destination/);
      expect(readdirSync(outside)).toEqual([]);
    });
  });
});
