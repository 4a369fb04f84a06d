import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactError, ArtifactUnsafePathError } from "../../../runtime/artifacts/index.ts";
import { META, newStore, tempDir, writeTree } from "./helpers.ts";

function countObjects(root: string): number {
  const objects = join(root, "objects");
  if (!existsSync(objects)) return 0;
  return readdirSync(objects).reduce((n, fan) => n + readdirSync(join(objects, fan)).length, 0);
}

describe("collect and restore", () => {
  it("round-trips a tree with modes, symlinks and dotfiles", async () => {
    const store = newStore();
    const ws = writeTree(tempDir(), {
      "dist/app.js": "console.log(1)\n",
      "dist/.htaccess": "deny\n",
      "dist/bin/run": { content: "#!/bin/sh\necho hi\n", mode: 0o755 },
      "dist/secret.txt": { content: "s", mode: 0o600 },
      "dist/latest.js": { link: "app.js" },
      "dist/bin/up": { link: "../app.js" },
      "dist/dangling": { link: "nothing-here" },
      "src/index.ts": "not collected",
    });
    const result = await store.collect(ws, { paths: ["dist"] }, META);
    expect(result.kind).toBe("stored");
    if (result.kind !== "stored") return;
    expect(result.record).toMatchObject({ name: "dist", job: "build", runId: "run-1", pipeline: "web", files: 7, pinned: false, expiresAt: null });

    const out = tempDir();
    const restored = await store.restore(result.record.id, out);
    expect(restored).toEqual({ files: 4, symlinks: 3, bytes: result.record.bytes });
    expect(readFileSync(join(out, "dist/app.js"), "utf8")).toBe("console.log(1)\n");
    expect(readFileSync(join(out, "dist/.htaccess"), "utf8")).toBe("deny\n");
    expect(statSync(join(out, "dist/bin/run")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "dist/secret.txt")).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(out, "dist/latest.js"))).toBe("app.js");
    expect(readFileSync(join(out, "dist/bin/up"), "utf8")).toBe("console.log(1)\n");
    expect(lstatSync(join(out, "dist/dangling")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(out, "src"))).toBe(false);
  });

  it("restores small and large files alike: over existing files and symlinks, with exact modes", async () => {
    const store = newStore();
    const large = "x".repeat(300 * 1024); // above the in-memory restore size: the temp-file path
    const ws = writeTree(tempDir(), {
      "out/small.txt": { content: "small\n", mode: 0o640 },
      "out/large.bin": { content: large, mode: 0o751 },
      "out/fresh.txt": { content: "fresh\n", mode: 0o444 },
    });
    const result = await store.collect(ws, { paths: ["out"] }, META);
    if (result.kind !== "stored") throw new Error(`not stored: ${result.kind}`);
    const out = writeTree(tempDir(), {
      "out/small.txt": { content: "old and longer than the new content", mode: 0o777 },
      "out/large.bin": "old",
      "elsewhere.txt": "must not change",
      "out/fresh.txt": { link: "../elsewhere.txt" },
    });
    expect(await store.restore(result.record.id, out)).toEqual({ files: 3, symlinks: 0, bytes: result.record.bytes });
    expect(readFileSync(join(out, "out/small.txt"), "utf8")).toBe("small\n");
    expect(readFileSync(join(out, "out/large.bin"), "utf8")).toBe(large);
    expect(lstatSync(join(out, "out/fresh.txt")).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(out, "out/fresh.txt"), "utf8")).toBe("fresh\n");
    expect(readFileSync(join(out, "elsewhere.txt"), "utf8")).toBe("must not change");
    expect(statSync(join(out, "out/small.txt")).mode & 0o777).toBe(0o640);
    expect(statSync(join(out, "out/large.bin")).mode & 0o777).toBe(0o751);
    expect(statSync(join(out, "out/fresh.txt")).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(out, "out")).sort()).toEqual(["fresh.txt", "large.bin", "small.txt"]);
  });

  it("says why it cannot list the artifacts instead of answering 'none' (a file in the way)", async () => {
    const store = newStore();
    mkdirSync(store.root, { recursive: true });
    writeFileSync(join(store.root, "artifacts"), "not a folder");
    await expect(store.list()).rejects.toThrow(ArtifactError);
    await expect(store.list()).rejects.toThrow(/cannot read the artifacts in .*: a file is in the way/);
  });

  it("stores identical files once, across files and artifacts", async () => {
    const store = newStore();
    const ws = writeTree(tempDir(), { "a/one.txt": "same bytes", "a/two.txt": "same bytes", "b/three.txt": "same bytes", "b/other.txt": "different" });
    const first = await store.collect(ws, { paths: ["a/**"] }, META);
    const second = await store.collect(ws, { paths: ["b/**"] }, { ...META, name: "b", runId: "run-2" });
    expect(first.kind === "stored" && first.newObjects).toBe(1);
    expect(second.kind === "stored" && second.newObjects).toBe(1);
    // "same bytes", "different", and the two manifests.
    expect(countObjects(store.root)).toBe(4);
  });

  it("applies exclude patterns", async () => {
    const store = newStore();
    const ws = writeTree(tempDir(), { "dist/app.js": "a", "dist/app.js.map": "m", "dist/deep/x.map": "m", "dist/deep/x.js": "x" });
    const result = await store.collect(ws, { paths: ["dist/**"], exclude: ["**/*.map"] }, META);
    if (result.kind !== "stored") throw new Error(result.message);
    const paths = [];
    for await (const entry of store.files(result.record.id)) paths.push(entry.path);
    expect(paths).toEqual(["dist/app.js", "dist/deep/x.js"]);
  });

  it("gives the same id to the same output collected again, and a new one to new content", async () => {
    const store = newStore();
    const ws = writeTree(tempDir(), { "dist/a": "1" });
    const a = await store.collect(ws, { paths: ["dist"] }, META);
    const b = await store.collect(ws, { paths: ["dist"] }, META);
    writeTree(ws, { "dist/a": "2" });
    const c = await store.collect(ws, { paths: ["dist"] }, META);
    if (a.kind !== "stored" || b.kind !== "stored" || c.kind !== "stored") throw new Error("not stored");
    expect(b.record.id).toBe(a.record.id);
    expect(c.record.id).not.toBe(a.record.id);
  });

  describe("missing outputs", () => {
    it("reports an output that matches nothing, naming the pattern", async () => {
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js": "a" });
      const result = await store.collect(ws, { paths: ["dist/**", "reports/*.xml"] }, META);
      expect(result).toEqual({ kind: "missing", optional: false, message: 'output build.dist is missing: "reports/*.xml" matched no files in the workspace' });
      expect(existsSync(join(store.root, "artifacts"))).toBe(false);
    });

    it("says when exclude removed everything", async () => {
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js.map": "m" });
      const result = await store.collect(ws, { paths: ["dist"], exclude: ["**/*.map"] }, META);
      expect(result.kind === "missing" && result.message).toContain("(after excluding **/*.map)");
    });

    it("stores what matched of an optional output, and reports an optional output with nothing", async () => {
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js": "a" });
      const partial = await store.collect(ws, { paths: ["dist", "types"], optional: true }, META);
      expect(partial.kind).toBe("stored");
      const none = await store.collect(ws, { paths: ["types"], optional: true }, META);
      expect(none).toMatchObject({ kind: "missing", optional: true });
    });
  });

  describe("safety when collecting", () => {
    it.each([["../outside/**"], ["/etc/passwd"], ["dist/../../x"], ["C:\\x"]])("refuses the pattern %s", async (pattern) => {
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js": "a" });
      await expect(store.collect(ws, { paths: [pattern] }, META)).rejects.toThrow(ArtifactUnsafePathError);
    });

    it("refuses a symlink pointing outside the workspace, absolute or relative", async () => {
      const outside = writeTree(tempDir(), { "secret.txt": "s" });
      for (const link of [join(outside, "secret.txt"), "../../outside.txt", "/etc/passwd"]) {
        const store = newStore();
        const ws = writeTree(tempDir(), { "dist/app.js": "a", "dist/leak": { link } });
        await expect(store.collect(ws, { paths: ["dist"] }, META)).rejects.toThrow(/dist\/leak is refused: it is a symlink to .*outside the workspace/);
      }
    });

    it("refuses a symlink that leads outside through another symlink", async () => {
      const outside = tempDir();
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js": "a", "hop": { link: outside }, "dist/leak": { link: "../hop" } });
      await expect(store.collect(ws, { paths: ["dist"] }, META)).rejects.toThrow(ArtifactUnsafePathError);
    });

    it("keeps a symlinked directory as a symlink, never walking into it", async () => {
      const store = newStore();
      const ws = writeTree(tempDir(), { "real/x.txt": "x", "dist/app.js": "a", "dist/sub": { link: "../real" } });
      const result = await store.collect(ws, { paths: ["dist/**"] }, META);
      if (result.kind !== "stored") throw new Error(result.message);
      const entries = [];
      for await (const entry of store.files(result.record.id)) entries.push(entry);
      expect(entries).toEqual([
        { path: "dist/app.js", kind: "file", mode: expect.any(Number), size: 1, digest: expect.any(String) },
        { path: "dist/sub", kind: "symlink", target: "../real" },
      ]);
    });

    it("refuses a symlinked directory leading outside, and matches nothing through it", async () => {
      const outside = writeTree(tempDir(), { "big/file.txt": "outside" });
      const store = newStore();
      const ws = writeTree(tempDir(), { "dist/app.js": "a", "linked": { link: join(outside, "big") } });
      await expect(store.collect(ws, { paths: ["linked/file.txt"] }, META)).rejects.toThrow(/linked\/file.txt is refused: a directory on its path leads outside the workspace/);
      await expect(store.collect(ws, { paths: ["linked/**"] }, META)).rejects.toThrow(/linked is refused: it is a symlink to .*outside the workspace/);
    });

    it("stores an absolute symlink into the workspace as a relative one", async () => {
      const store = newStore();
      const ws = tempDir();
      writeTree(ws, { "dist/app.js": "a", "dist/abs": { link: join(ws, "dist", "app.js") } });
      const result = await store.collect(ws, { paths: ["dist"] }, META);
      if (result.kind !== "stored") throw new Error(result.message);
      const out = tempDir();
      await store.restore(result.record.id, out);
      expect(readlinkSync(join(out, "dist/abs"))).toBe("app.js");
    });
  });
});
