import { execFile } from "node:child_process";
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { snapshotProject } from "../../../runtime/workspace/index.ts";

const execFileAsync = promisify(execFile);
let root: string;
let project: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-ws-"));
  project = join(root, "project");
  await mkdir(join(project, "src", "nested"), { recursive: true });
  await writeFile(join(project, "src", "main.ts"), "export {};\n");
  await writeFile(join(project, "src", "nested", "deep.txt"), "deep\n");
  await writeFile(join(project, "run.sh"), "#!/bin/sh\necho hi\n");
  await chmod(join(project, "run.sh"), 0o755);
  await writeFile(join(project, "secret.txt"), "private\n");
  await chmod(join(project, "secret.txt"), 0o600);
  await symlink("src/main.ts", join(project, "link-inside"));
  await symlink(join(project, "src", "nested"), join(project, "absolute-inside"));
  await writeFile(join(root, "outside.txt"), "outside\n");
  await symlink("../outside.txt", join(project, "link-outside"));
  await symlink("/etc/passwd", join(project, "link-etc"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

let runs = 0;
/** A snapshot into a store beside the project, checked out into `dest` as a job's workspace would be. */
async function takeSnapshot(dest: string, excluded: readonly string[] = []) {
  const store = openArtifactStore(join(root, "store"));
  const result = await snapshotProject({ projectDir: project, store, runId: `run-${++runs}`, pipeline: "p", pipecDir: join(root, "pipec"), excluded });
  await store.checkout(result.entries, dest);
  await store.release(`run-${runs}`);
  return result;
}

async function git(...args: string[]): Promise<void> {
  await execFileAsync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: project });
}

async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(path);
    if (entry.isDirectory()) out.push(...(await listTree(dir, path)));
  }
  return out.sort();
}

describe("snapshotProject in a git work tree", () => {
  beforeEach(async () => {
    await writeFile(join(project, ".gitignore"), "dist/\n*.log\n");
    await mkdir(join(project, "dist"));
    await writeFile(join(project, "dist", "bundle.js"), "built\n");
    await git("init", "-q");
    await git("add", ".");
    await git("commit", "-q", "-m", "init");
    await writeFile(join(project, "debug.log"), "ignored\n");
    await writeFile(join(project, "untracked.ts"), "new\n");
    await mkdir(join(project, ".pipec", "runs"), { recursive: true });
    await writeFile(join(project, ".pipec", "runs", "state.json"), "{}\n");
  });

  it("honours .gitignore and keeps untracked files that are not ignored", async () => {
    const dest = join(root, "snap");
    const result = await takeSnapshot(dest);
    const files = await listTree(dest);
    expect(result.selection).toBe("git");
    expect(files).toContain("untracked.ts");
    expect(files).toContain(".gitignore");
    expect(files).toContain("src/nested/deep.txt");
    expect(files).not.toContain("debug.log");
    expect(files).not.toContain("dist");
    expect(files).not.toContain(".git");
    expect(files).not.toContain(".pipec");
  });

  it("copies an untracked nested repository's files, without its .git", async () => {
    await mkdir(join(project, "vendor", "lib"), { recursive: true });
    await execFileAsync("git", ["init", "-q"], { cwd: join(project, "vendor", "lib") });
    await writeFile(join(project, "vendor", "lib", "index.js"), "lib\n");
    const dest = join(root, "snap");
    await takeSnapshot(dest);
    const files = await listTree(dest);
    expect(files).toContain("vendor/lib/index.js");
    expect(files).not.toContain("vendor/lib/.git");
  });

  it("skips tracked files deleted from the work tree", async () => {
    await rm(join(project, "src", "main.ts"));
    const dest = join(root, "snap");
    await takeSnapshot(dest);
    expect(await listTree(dest)).not.toContain("src/main.ts");
  });

  it("never takes the excluded paths (the run's folder, a file of secrets), even when they lie inside the project", async () => {
    await mkdir(join(project, "out"));
    await writeFile(join(project, "out", "x"), "x\n");
    const dest = join(root, "snap");
    await takeSnapshot(dest, [join(project, "out"), join(project, "secret.txt")]);
    expect(await listTree(dest)).not.toContain("out");
    expect(await listTree(dest)).not.toContain("secret.txt");
  });

  it("keeps modes and symlinks, and skips symlinks that leave the project", async () => {
    const dest = join(root, "snap");
    const result = await takeSnapshot(dest);
    await expectModesAndLinks(dest, result.warnings);
  });

  it("takes the same snapshot when run from the project's root (paths as listed, relative to it) as from elsewhere", async () => {
    await mkdir(join(project, "vendor", "lib"), { recursive: true });
    await execFileAsync("git", ["init", "-q"], { cwd: join(project, "vendor", "lib") });
    await writeFile(join(project, "vendor", "lib", "index.js"), "lib\n");
    const elsewhere = await takeSnapshot(join(root, "snap-elsewhere"));
    const cwd = process.cwd();
    process.chdir(project);
    let inside;
    try {
      inside = await takeSnapshot(join(root, "snap-inside"));
    } finally {
      process.chdir(cwd);
    }
    expect(inside.entries).toEqual(elsewhere.entries);
    expect(inside.warnings).toEqual(elsewhere.warnings);
    expect(await listTree(join(root, "snap-inside"))).toEqual(await listTree(join(root, "snap-elsewhere")));
    await expectModesAndLinks(join(root, "snap-inside"), inside.warnings);
  });
});

describe("snapshotProject outside git", () => {
  it("copies everything except .git, .pipec and node_modules", async () => {
    await mkdir(join(project, "node_modules", "x"), { recursive: true });
    await writeFile(join(project, "node_modules", "x", "index.js"), "\n");
    await mkdir(join(project, ".pipec"));
    await writeFile(join(project, ".pipec", "x"), "\n");
    await writeFile(join(project, "debug.log"), "kept\n");
    await mkdir(join(project, "empty"));
    const dest = join(root, "snap");
    const result = await takeSnapshot(dest);
    const files = await listTree(dest);
    expect(result.selection).toBe("all");
    // Directories are not recorded: an empty one is not kept.
    expect(files).toEqual(["absolute-inside", "debug.log", "link-inside", "run.sh", "secret.txt", "src", "src/main.ts", "src/nested", "src/nested/deep.txt"].sort());
    expect(result.record.files).toBe(7);
    expect(result.record.bytes).toBe(Buffer.byteLength("export {};\n" + "deep\n" + "#!/bin/sh\necho hi\n" + "private\n" + "kept\n"));
    await expectModesAndLinks(dest, result.warnings);
  });

  it("takes the files of a read-only directory", async () => {
    await chmod(join(project, "src", "nested"), 0o555);
    const dest = join(root, "snap");
    await takeSnapshot(dest);
    expect(await readFile(join(dest, "src", "nested", "deep.txt"), "utf8")).toBe("deep\n");
    await chmod(join(project, "src", "nested"), 0o755);
  });
});

describe("job workspaces from a snapshot", () => {
  it("are independent copies: a job changing a file in place changes neither the store nor another job's files", async () => {
    const one = join(root, "one");
    const result = await takeSnapshot(one);
    const two = join(root, "two");
    await openArtifactStore(join(root, "store")).checkout(result.entries, two);
    await expectModesAndLinks(two, []);
    await writeFile(join(one, "src", "main.ts"), "changed\n", { flag: "r+" });
    await chmod(join(one, "run.sh"), 0o777);
    expect(await readFile(join(two, "src", "main.ts"), "utf8")).toBe("export {};\n");
    expect((await stat(join(two, "run.sh"))).mode & 0o777).toBe(0o755);
    expect(await openArtifactStore(join(root, "store")).verify()).toEqual([]);
  });

  it("written from the bytes the snapshot just read (the run keeps small files in memory), are the same independent copies", async () => {
    const store = openArtifactStore(join(root, "store"));
    const result = await snapshotProject({ projectDir: project, store, runId: "run-kept", pipeline: "p", pipecDir: join(root, "pipec"), keep: { fileBytes: 1024, totalBytes: 1024 * 1024 } });
    expect(result.contents.size).toBe(4);
    const one = join(root, "one");
    const two = join(root, "two");
    await store.checkout(result.entries, one, { contents: result.contents });
    await store.checkout(result.entries, two, { contents: result.contents });
    await expectModesAndLinks(one, []);
    await expectModesAndLinks(two, []);
    await writeFile(join(one, "src", "main.ts"), "changed\n", { flag: "r+" });
    await chmod(join(one, "secret.txt"), 0o644);
    expect(await readFile(join(two, "src", "main.ts"), "utf8")).toBe("export {};\n");
    expect((await stat(join(two, "secret.txt"))).mode & 0o777).toBe(0o600);
    expect(await store.verify()).toEqual([]);
    await store.release("run-kept");
  });
});

async function expectModesAndLinks(dest: string, warnings: readonly string[]): Promise<void> {
  expect((await stat(join(dest, "run.sh"))).mode & 0o777).toBe(0o755);
  expect((await stat(join(dest, "secret.txt"))).mode & 0o777).toBe(0o600);
  expect((await lstat(join(dest, "link-inside"))).isSymbolicLink()).toBe(true);
  expect(await readlink(join(dest, "link-inside"))).toBe("src/main.ts");
  expect(await readFile(join(dest, "link-inside"), "utf8")).toBe("export {};\n");
  // An absolute link into the project is rewritten relative, so the copy never points back at the project.
  expect(await readlink(join(dest, "absolute-inside"))).toBe("src/nested");
  await expect(lstat(join(dest, "link-outside"))).rejects.toThrow(/ENOENT/);
  await expect(lstat(join(dest, "link-etc"))).rejects.toThrow(/ENOENT/);
  if (warnings.length > 0) {
    expect(warnings).toEqual(
      expect.arrayContaining([
        "skipped symlink link-outside -> ../outside.txt: it points outside the project",
        "skipped symlink link-etc -> /etc/passwd: it points outside the project",
      ]),
    );
    expect(warnings).toHaveLength(2);
  }
}
