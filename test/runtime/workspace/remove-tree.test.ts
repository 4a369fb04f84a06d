import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeLater, removeTree } from "../../../runtime/workspace/index.ts";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-rm-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Two job workspaces as a run leaves them: 300 files in nested folders, symlinks (one dangling, one to a folder), an empty folder. */
async function makeWorkspaces(): Promise<string> {
  const work = join(root, "work");
  for (const job of ["build.1", "docs.1"]) {
    for (let folder = 0; folder < 3; folder++) {
      const dir = join(work, job, "src", `d${folder}`, "deeper");
      await mkdir(dir, { recursive: true });
      for (let file = 0; file < 50; file++) await writeFile(join(dir, `f${file}.ts`), `export const v = ${file};\n`);
    }
    await symlink("src/d0", join(work, job, "link-to-folder"));
    await symlink("missing", join(work, job, "dangling"));
    await mkdir(join(work, job, "empty", "too"), { recursive: true });
  }
  return work;
}

describe("removeTree", () => {
  it.each([
    ["synchronous unlinks (each one fast)", Number.POSITIVE_INFINITY],
    ["parallel unlinks (from the first slice on, as when each waits for a discard)", 0],
  ])("removes a folder of workspaces whole: %s", async (_name, slowUnlinkUs) => {
    const work = await makeWorkspaces();
    await removeTree(work, { slowUnlinkUs });
    expect(existsSync(work)).toBe(false);
    // Nothing outside it is touched, and a symlink to a folder is removed, not followed.
    expect(await readdir(root)).toEqual([]);
  });

  it("leaves a folder a symlink points to alone", async () => {
    const work = join(root, "work");
    await mkdir(join(root, "kept"), { recursive: true });
    await writeFile(join(root, "kept", "file.txt"), "kept\n");
    await mkdir(work);
    await symlink(join(root, "kept"), join(work, "outside"));
    await removeTree(work, { slowUnlinkUs: 0 });
    expect(existsSync(work)).toBe(false);
    expect(await readdir(join(root, "kept"))).toEqual(["file.txt"]);
  });

  it("does nothing for a folder that does not exist", async () => {
    await expect(removeTree(join(root, "never-made"))).resolves.toBeUndefined();
  });
});

/** Polls until `check` holds (a detached process works after the call returns), failing after `ms`. */
async function eventually(check: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("still not so");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("removeLater", () => {
  it("moves the workspaces out of the run at once, and a detached process removes them and what an earlier remover left", async () => {
    const work = await makeWorkspaces();
    const trash = join(root, "trash");
    // Left by a remover killed in an earlier run.
    await mkdir(join(trash, "old-run-work-1234", "src"), { recursive: true });
    await writeFile(join(trash, "old-run-work-1234", "src", "left.ts"), "left\n");
    await removeLater(work, trash);
    expect(existsSync(work)).toBe(false);
    await eventually(() => existsSync(trash) && readdirSync(trash).length === 0);
    expect(await readdir(root)).toEqual(["trash"]);
  });

  it("runs its remover from /, so it never keeps the project's file system busy (an unmount, a USB disk)", async () => {
    const work = await makeWorkspaces();
    const trash = join(root, "trash");
    const before = process.cwd();
    process.chdir(root);
    try {
      await removeLater(work, trash);
    } finally {
      process.chdir(before);
    }
    // Node starts for some tens of milliseconds before it removes anything: the remover is there to be looked at.
    const removers = readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && readCmdline(pid).includes(trash));
    expect(removers.length).toBe(1);
    expect(readlinkOrNull(`/proc/${removers[0]}/cwd`)).toBe("/");
    await eventually(() => readdirSync(trash).length === 0);
  });

  it("does nothing when there is no folder and no trash", async () => {
    await removeLater(join(root, "never-made"), join(root, "trash"));
    expect(await readdir(root)).toEqual(["trash"]);
  });
});

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
