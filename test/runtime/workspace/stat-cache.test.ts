/**
 * The stat cache: an unchanged file is not read again; a file changed with the same size and mtime is
 * still seen as changed, through its inode or its ctime; a file changed within the racy window is
 * always read again.
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { snapshotProject } from "../../../runtime/workspace/index.ts";
import { readStatCache, STAT_CACHE_FILE, statCacheText, type FileStat } from "../../../runtime/workspace/stat-cache.ts";

let root: string;
let project: string;
let run = 0;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-stat-cache-"));
  project = join(root, "project");
  await mkdir(project);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** `later`: the scan's clock, so far ahead that no file counts as just written (racy). */
async function snapshot(later = 60_000) {
  const store = openArtifactStore(join(root, "store"));
  const result = await snapshotProject({ projectDir: project, store, runId: `run-${++run}`, pipeline: "p", pipecDir: join(root, "pipec"), now: () => Date.now() + later });
  await store.release(`run-${run}`);
  const digest = (path: string) => result.entries.find((e) => e.path === path && e.kind === "file");
  return { ...result, digest: (path: string) => (digest(path) as { digest: string } | undefined)?.digest };
}

describe("the stat cache", () => {
  it("reads an unchanged file once, and writes nothing new to .pipec for an unchanged tree", async () => {
    await writeFile(join(project, "a.txt"), "aaaa\n");
    await writeFile(join(project, "b.txt"), "bbbb\n");
    expect((await snapshot()).hashed).toBe(2);
    const cacheFile = join(root, "pipec", STAT_CACHE_FILE);
    const before = await stat(cacheFile);
    const again = await snapshot();
    expect(again.hashed).toBe(0);
    expect((await stat(cacheFile)).mtimeMs).toBe(before.mtimeMs);
  });

  it("sees a file replaced by another of the same size and mtime (a new inode) as changed", async () => {
    const file = join(project, "a.txt");
    await writeFile(file, "aaaa\n");
    const old = new Date(Date.now() - 3_600_000);
    await utimes(file, old, old);
    const first = await snapshot();
    await writeFile(join(project, "next.tmp"), "zzzz\n");
    await utimes(join(project, "next.tmp"), old, old);
    await rename(join(project, "next.tmp"), file);
    const second = await snapshot();
    expect(second.hashed).toBe(1);
    expect(second.digest("a.txt")).not.toBe(first.digest("a.txt"));
  });

  it("sees a file rewritten in place with the same size, its mtime set back (only its ctime tells), as changed", async () => {
    const file = join(project, "a.txt");
    await writeFile(file, "aaaa\n");
    const old = new Date(Date.now() - 3_600_000);
    await utimes(file, old, old);
    const ino = (await stat(file)).ino;
    const first = await snapshot();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(file, "cccc\n", { flag: "r+" });
    await utimes(file, old, old);
    expect((await stat(file)).ino).toBe(ino);
    const second = await snapshot();
    expect(second.hashed).toBe(1);
    expect(second.digest("a.txt")).not.toBe(first.digest("a.txt"));
  });

  it("never trusts an entry whose mtime or ctime is within the racy window of the scan that hashed it", async () => {
    await writeFile(join(project, "a.txt"), "aaaa\n");
    await snapshot(0);
    expect((await snapshot(0)).hashed).toBe(1);
  });

  it.each([
    ["the inode", { ino: 8n }],
    ["the ctime", { ctimeNs: 3n }],
    ["the mtime", { mtimeNs: 2n }],
    ["the size", { size: 6 }],
    ["the mode", { mode: 0o755 }],
  ] as const)("gives no digest when %s differs, all else equal", async (_what, change) => {
    const stat: FileStat = { size: 5, mtimeNs: 1n, ctimeNs: 1n, ino: 7n, mode: 0o644 };
    const file = join(root, "cache.json");
    await writeFile(file, statCacheText("/store", "snap", 10_000, [["a.txt", stat, "d".repeat(64)]]));
    const cache = readStatCache(file, "/store");
    expect(cache.digestOf("a.txt", stat)).toBe("d".repeat(64));
    expect(cache.digestOf("a.txt", { ...stat, ...change })).toBeNull();
    expect(readStatCache(file, "/another-store").digestOf("a.txt", stat)).toBeNull();
    expect(JSON.parse(await readFile(file, "utf8")).snapshot).toBe("snap");
  });
});
