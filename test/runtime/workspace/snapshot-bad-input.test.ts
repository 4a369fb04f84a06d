/**
 * Bad input to a snapshot: sockets, FIFOs and symlink loops are named and the snapshot goes on; a file
 * that changes while it is read, and a store on a full disk, fail it with a message naming the path,
 * leaving no record and no temp file in the store.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openArtifactStore, SnapshotError } from "../../../runtime/artifacts/index.ts";
import { snapshotProject } from "../../../runtime/workspace/index.ts";
import { scanProject } from "../../../runtime/workspace/scan-project.ts";
import { EMPTY_STAT_CACHE } from "../../../runtime/workspace/stat-cache.ts";
import { dockerRequired } from "../../setup/require-docker.ts";

let root: string;
let project: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-snap-bad-"));
  project = join(root, "project");
  await mkdir(project);
  await writeFile(join(project, "a.txt"), "a\n");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const take = (storeDir = join(root, "store")) =>
  snapshotProject({ projectDir: project, store: openArtifactStore(storeDir), runId: "run-1", pipeline: "p", pipecDir: join(root, "pipec") });

describe("a snapshot of odd files", () => {
  it("leaves out sockets and FIFOs, naming each, and keeps a symlink loop as it is, with a warning", async () => {
    execFileSync("mkfifo", [join(project, "fifo")]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(project, "sock"), resolve));
    await symlink("loop-b", join(project, "loop-a"));
    await symlink("loop-a", join(project, "loop-b"));
    try {
      const result = await take();
      expect(result.warnings).toEqual(
        expect.arrayContaining([
          "skipped fifo: a FIFO, not a regular file, directory or symlink",
          "skipped sock: a socket, not a regular file, directory or symlink",
          "symlink loop-a -> loop-b is a loop (it never resolves); kept as it is",
        ]),
      );
      expect(result.entries.map((e) => e.path)).toEqual(["a.txt", "loop-a", "loop-b"]);
    } finally {
      server.close();
    }
  });

  it("fails on a file that changed while it was snapshotted, naming it, and leaves no record behind", async () => {
    await writeFile(join(project, "busy.log"), "first\n");
    const scan = await scanProject(project, EMPTY_STAT_CACHE, new Set());
    await writeFile(join(project, "busy.log"), "second, longer\n");
    const store = openArtifactStore(join(root, "store"));
    const failure = await store.snapshot(project, scan.inputs, { runId: "run-1", pipeline: "p" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SnapshotError);
    expect((failure as SnapshotError).path).toBe("busy.log");
    expect((failure as Error).message).toBe("busy.log changed while pipec took the run's snapshot of the project; run again once it is written (a file a program keeps writing belongs in .gitignore)");
    expect(await store.list()).toEqual([]);
    expect(await readdir(join(root, "store", "tmp")).catch(() => [])).toEqual([]);
  });
});

// Mounting a small tmpfs needs root (CI runs as root); under CI it runs whoever we are, and fails if it cannot mount.
describe.runIf(process.getuid?.() === 0 || dockerRequired())("a snapshot into a store on a full disk", () => {
  it("fails naming the file and the full disk, and leaves no record and no temp file", async () => {
    const disk = join(root, "disk");
    await mkdir(disk);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", disk]);
    try {
      await writeFile(join(project, "big.bin"), Buffer.alloc(2 * 1024 * 1024, 7));
      const failure = await take(join(disk, "store")).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SnapshotError);
      expect((failure as Error).message).toMatch(/^cannot store (big\.bin|a\.txt|the snapshot's manifest) in the artifact store: the disk is full; free some space/);
      expect(await openArtifactStore(join(disk, "store")).list()).toEqual([]);
      expect(await readdir(join(disk, "store", "tmp")).catch(() => [])).toEqual([]);
    } finally {
      execFileSync("umount", [disk]);
    }
  });

  it("fails alike while writing a pack of many small files, and leaves no pack, index or temp file", async () => {
    const disk = join(root, "disk");
    await mkdir(disk);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", disk]);
    try {
      await mkdir(join(project, "many"));
      for (let i = 0; i < 400; i++) await writeFile(join(project, "many", `f${i}.txt`), Buffer.alloc(4096, i % 256));
      const failure = await take(join(disk, "store")).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SnapshotError);
      expect((failure as Error).message).toMatch(/^cannot store (many\/f\d+\.txt|the snapshot's pack of small files|the snapshot's manifest) in the artifact store: the disk is full; free some space/);
      expect(await openArtifactStore(join(disk, "store")).list()).toEqual([]);
      expect(await readdir(join(disk, "store", "tmp")).catch(() => [])).toEqual([]);
      expect(await readdir(join(disk, "store", "objects", "pack")).catch(() => [])).toEqual([]);
    } finally {
      execFileSync("umount", [disk]);
    }
  });
});
