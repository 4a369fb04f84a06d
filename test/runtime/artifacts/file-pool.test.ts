import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileTask, FilePool, type FileTask } from "../../../runtime/artifacts/file-pool.ts";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pipec-pool-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Feeds `tasks` to a pool as checkout and snapshot do: awaiting only when it is full. */
async function feed(pool: FilePool, tasks: readonly FileTask[]): Promise<void> {
  for (const task of tasks) {
    const full = pool.add(task);
    if (full) await full;
  }
  await pool.drain();
}

describe("FilePool", () => {
  it("creates every file with its bytes and mode, at most `limit` at once", async () => {
    const umaskTakes = new Map<number, boolean>();
    let inFlight = 0;
    let most = 0;
    const tasks = Array.from({ length: 500 }, (_, i): FileTask => {
      const create = createFileTask(join(root, `f${i}`), Buffer.from(`file ${i}\n`), i % 2 === 0 ? 0o644 : 0o777, umaskTakes);
      return (done) => {
        most = Math.max(most, ++inFlight);
        create((error) => {
          inFlight--;
          done(error);
        });
      };
    });
    await feed(new FilePool(8), tasks);
    expect(most).toBe(8);
    expect(readdirSync(root)).toHaveLength(500);
    expect(readFileSync(join(root, "f7"), "utf8")).toBe("file 7\n");
    // 0o777 is kept whatever the umask (the file is chmod'ed when the umask took bits away).
    expect(statSync(join(root, "f1")).mode & 0o777).toBe(0o777);
    expect(statSync(join(root, "f2")).mode & 0o777).toBe(0o644);
  });

  it("stops at the first failure, starting nothing after it, and rejects once the rest have settled", async () => {
    writeFileSync(join(root, "f20"), "already there\n");
    const umaskTakes = new Map<number, boolean>();
    let started = 0;
    let settled = 0;
    const tasks = Array.from({ length: 200 }, (_, i): FileTask => {
      const create = createFileTask(join(root, `f${i}`), Buffer.from("x"), 0o644, umaskTakes, (error) => new Error(`f${i}: ${(error as NodeJS.ErrnoException).code}`));
      return (done) => {
        started++;
        create((error) => {
          settled++;
          done(error);
        });
      };
    });
    await expect(feed(new FilePool(4), tasks)).rejects.toThrow("f20: EEXIST");
    expect(settled).toBe(started);
    expect(started).toBeLessThan(200);
    expect(readFileSync(join(root, "f20"), "utf8")).toBe("already there\n");
  });
});
