/**
 * The scan's lstat (file-stat.ts) answers exactly as fs.lstatSync, to the bit of every time (the
 * stat cache and the store compare them exactly), for every kind of entry a project may hold; and on
 * Node 20 it takes the route without a Stats object per file, so a Node change that turns it off is seen.
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLstat, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, usesRawLstat } from "../../../runtime/workspace/file-stat.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-file-stat-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the scan's lstat", () => {
  it("gives lstatSync's mode, size, inode and times for files, symlinks, folders and FIFOs", () => {
    writeFileSync(join(dir, "file.txt"), "some bytes\n");
    // Times with a fraction of a millisecond, and before 1970: the ms arithmetic must be Node's.
    writeFileSync(join(dir, "old.txt"), "");
    utimesSync(join(dir, "old.txt"), -12345.678912, 1.000001);
    symlinkSync("file.txt", join(dir, "link"));
    symlinkSync("link-loop", join(dir, "link-loop"));
    mkdirSync(join(dir, "folder"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    const lstat = createLstat();
    const types = new Map([["file.txt", S_IFREG], ["old.txt", S_IFREG], ["link", S_IFLNK], ["link-loop", S_IFLNK], ["folder", S_IFDIR], ["fifo", S_IFIFO]]);
    for (const [name, type] of types) {
      const path = join(dir, name);
      const expected = lstatSync(path);
      const got = lstat(path);
      expect(got && { ...got }, name).toEqual({ mode: expected.mode, size: expected.size, ino: expected.ino, mtimeMs: expected.mtimeMs, ctimeMs: expected.ctimeMs });
      expect(got!.mode & S_IFMT, name).toBe(type);
    }
  });

  it("gives nothing for a missing file and throws lstatSync's error for a path through a file", () => {
    writeFileSync(join(dir, "file.txt"), "x");
    const lstat = createLstat();
    expect(lstat(join(dir, "missing"))).toBeUndefined();
    expect(() => lstat(join(dir, "file.txt", "below"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });

  it("takes the route without a Stats object on Node 20", () => {
    expect(usesRawLstat()).toBe(process.versions.node.startsWith("20."));
  });
});
