/**
 * The stat cache: an unchanged file is not read again; a file changed with the same size and mtime is
 * still seen as changed, through its inode or its ctime; a file changed within the racy window is
 * always read again.
 */
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { snapshotProject } from "../../../runtime/workspace/index.ts";
import { readStatCache, STAT_CACHE_FILE, statCacheBytes, type FileStat } from "../../../runtime/workspace/stat-cache.ts";

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

  it("takes an unchanged tree's snapshot from the stat cache: the same entries and record as a fresh scan, even with its earlier snapshot gone", async () => {
    for (let i = 0; i < 30; i++) await writeFile(join(project, `f${String(i).padStart(2, "0")}.txt`), `file ${i}\n`);
    await symlink("f01.txt", join(project, "link"));
    await writeFile(join(project, "run.sh"), "echo hi\n", { mode: 0o750 });
    const first = await snapshot();
    const again = await snapshot();
    expect(again.hashed).toBe(0);
    expect(again.entries).toEqual(first.entries);
    expect({ manifest: again.record.manifest, files: again.record.files, bytes: again.record.bytes }).toEqual({ manifest: first.record.manifest, files: first.record.files, bytes: first.record.bytes });
    expect(again.record.id).not.toBe(first.record.id);
    // The earlier snapshots' records are gone: the long way, which finds every object still there; the same entries.
    await rm(join(root, "store", "artifacts"), { recursive: true, force: true });
    const third = await snapshot();
    expect(third.hashed).toBe(0);
    expect(third.entries).toEqual(first.entries);
  });

  it("sees a change after many unchanged files, and a mode change alone, as a fresh scan sees them", async () => {
    for (let i = 0; i < 30; i++) await writeFile(join(project, `f${String(i).padStart(2, "0")}.txt`), `file ${i}\n`);
    await symlink("f01.txt", join(project, "link"));
    await snapshot();
    await writeFile(join(project, "f29.txt"), "changed\n");
    await chmod(join(project, "f10.txt"), 0o600);
    const changed = await snapshot();
    // The edited file, and the file whose mode changed (its ctime moved): read again.
    expect(changed.hashed).toBe(2);
    await rm(join(root, "pipec"), { recursive: true, force: true });
    const fresh = await snapshot();
    expect(changed.entries).toEqual(fresh.entries);
    expect(changed.entries.find((e) => e.path === "f10.txt")).toMatchObject({ mode: 0o600 });
  });

  it("takes only what git lists now, though the last snapshot's files are checked before git names them", async () => {
    execFileSync("git", ["init", "-q"], { cwd: project });
    await writeFile(join(project, "a.txt"), "aaaa\n");
    await writeFile(join(project, "b.txt"), "bbbb\n");
    expect((await snapshot()).entries.map((e) => e.path)).toEqual(["a.txt", "b.txt"]);
    await writeFile(join(project, ".gitignore"), "b.txt\n");
    const again = await snapshot();
    expect(again.entries.map((e) => e.path)).toEqual([".gitignore", "a.txt"]);
    expect(again.hashed).toBe(1);
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

  it("sees a retargeted symlink or a deleted file as a new snapshot, though every remaining file's stat is as cached", async () => {
    await writeFile(join(project, "a.txt"), "aaaa\n");
    await writeFile(join(project, "b.txt"), "bbbb\n");
    await symlink("a.txt", join(project, "link"));
    const first = await snapshot();
    const again = await snapshot();
    expect(again.record.manifest).toBe(first.record.manifest);
    await rm(join(project, "link"));
    await symlink("b.txt", join(project, "link"));
    const relinked = await snapshot();
    expect(relinked.hashed).toBe(0);
    expect(relinked.record.manifest).not.toBe(first.record.manifest);
    expect(relinked.entries.find((e) => e.path === "link")).toEqual({ path: "link", kind: "symlink", target: "b.txt" });
    await rm(join(project, "b.txt"));
    const fewer = await snapshot();
    expect(fewer.hashed).toBe(0);
    expect(fewer.entries.map((e) => e.path)).toEqual(["a.txt", "link"]);
    // The cache now names the smaller snapshot: the next unchanged run is that one again.
    expect((await snapshot()).record.manifest).toBe(fewer.record.manifest);
  });

  it("never trusts an entry whose mtime or ctime is within the racy window of the scan that hashed it", async () => {
    await writeFile(join(project, "a.txt"), "aaaa\n");
    await snapshot(0);
    expect((await snapshot(0)).hashed).toBe(1);
  });

  it.each([
    ["the inode", { ino: 8 }],
    ["the ctime", { ctimeMs: 1.000001 }],
    ["the mtime", { mtimeMs: 1.000001 }],
    ["the size", { size: 6 }],
    ["the mode", { mode: 0o755 }],
  ] as const)("gives no digest when %s differs, all else equal", async (_what, change) => {
    const stat: FileStat = { size: 5, mtimeMs: 1, ctimeMs: 1, ino: 7, mode: 0o644 };
    const file = join(root, "cache.bin");
    const content = { storeRoot: "/store", snapshot: "snap", manifest: "m".repeat(64), scannedAt: 10_000, links: [] };
    await writeFile(file, statCacheBytes({ ...content, files: [{ path: "a.txt", stat, digest: "d".repeat(64) }] }));
    const cache = readStatCache(file, "/store");
    expect(cache.snapshot).toBe("snap");
    expect(cache.digestOf("a.txt", stat)).toBe("d".repeat(64));
    expect(readStatCache(file, "/store").digestOf("a.txt", { ...stat, ...change })).toBeNull();
    expect(readStatCache(file, "/another-store").digestOf("a.txt", stat)).toBeNull();
  });

  it("finds entries asked out of order, paths in any script, and reads a damaged file as empty", async () => {
    const stat: FileStat = { size: 5, mtimeMs: 1, ctimeMs: 1, ino: 7, mode: 0o644 };
    const paths = ["a.txt", "dir/é.md", "z/日本.ts", "b.txt"];
    const file = join(root, "cache.bin");
    const files = paths.map((path, i) => ({ path, stat: { ...stat, ino: i }, digest: String(i).repeat(64) }));
    await writeFile(file, statCacheBytes({ storeRoot: "/store", snapshot: "snap", manifest: "m".repeat(64), scannedAt: 10_000, links: [["l", "a.txt"]], files }));
    const cache = readStatCache(file, "/store");
    expect(cache.links).toEqual([["l", "a.txt"]]);
    for (const i of [3, 1, 0, 2]) expect(cache.digestOf(paths[i]!, { ...stat, ino: i })).toBe(String(i).repeat(64));
    expect(cache.digestOf("missing.txt", stat)).toBeNull();
    expect(cache.hits()).toBe(4);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    expect(readStatCache(file, "/store").files).toBe(0);
    await writeFile(file, "{}\n");
    expect(readStatCache(file, "/store").files).toBe(0);
  });
});
