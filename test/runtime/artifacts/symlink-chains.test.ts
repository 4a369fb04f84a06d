/**
 * Symlinks restored into one destination from several artifacts must not chain into a path that
 * resolves outside it (`out/a -> ..` beside `out/b -> a/..`), whatever order they arrive in.
 */
import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unsafeLinkTargetReason } from "../../../runtime/artifacts/safe-paths.ts";
import { META, newStore, tempDir, writeTree } from "./helpers.ts";

async function collectTree(store: ReturnType<typeof newStore>, tree: Parameters<typeof writeTree>[1], paths: string[]) {
  const ws = writeTree(tempDir(), tree);
  const result = await store.collect(ws, { paths }, META);
  if (result.kind !== "stored") throw new Error("nothing stored");
  return result.record.id;
}

describe("restoring chained symlinks", () => {
  it.each([
    { order: "up first", first: "up", second: "down" },
    { order: "down first", first: "down", second: "up" },
  ])("refuses out/b -> a/.. beside out/a -> .. ($order), leaving nothing that resolves outside", async ({ first, second }) => {
    const store = newStore();
    const ids = {
      up: await collectTree(store, { "out/a": { link: ".." } }, ["out/a"]),
      down: await collectTree(store, { "out/b": { link: "a/.." } }, ["out/b"]),
    };
    const dest = tempDir();
    const refused: string[] = [];
    for (const which of [first, second] as const) await store.restore(ids[which as "up" | "down"], dest).catch((error: unknown) => refused.push(String(error)));
    expect(refused).toEqual([expect.stringMatching(/symlink out\/b -> a\/\.\. is refused: it goes up \('\.\.'\) after a name/)]);
    await expect(lstat(join(dest, "out", "b"))).rejects.toThrow(/ENOENT/);
    expect(await readlink(join(dest, "out", "a"))).toBe("..");
  });

  it("refuses a link that resolves outside through a link already in the destination (not restored by pipec)", async () => {
    const store = newStore();
    const id = await collectTree(store, { "r": { link: "q" } }, ["r"]);
    const dest = writeTree(tempDir(), { "x": { link: ".." }, "q": { link: "x/.." } });
    await expect(store.restore(id, dest)).rejects.toThrow(/symlink r -> q is refused: it resolves to .*, outside the destination, through the links already there/);
    await expect(lstat(join(dest, "r"))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    { target: "../pkg/bin/x.js", reason: null },
    { target: "./sibling", reason: null },
    { target: "../../a/./b", reason: null },
    { target: "a/..", reason: /after a name/ },
    { target: "a/../../x", reason: /after a name/ },
    { target: "/etc", reason: /absolute/ },
    { target: "", reason: /empty/ },
  ])("unsafeLinkTargetReason($target)", ({ target, reason }) => {
    const why = unsafeLinkTargetReason(target);
    if (reason === null) expect(why).toBeNull();
    else expect(why).toMatch(reason);
  });
});
