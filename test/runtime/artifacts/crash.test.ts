import { spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../../runtime/artifacts/index.ts";
import { tempDir } from "./helpers.ts";

// Built once for the file (not in a per-test temp dir: those go after each test).
const childDir = mkdtempSync(join(tmpdir(), "pipec-crash-child-"));
const child = join(childDir, "collect-child.mjs");
afterAll(() => rmSync(childDir, { recursive: true, force: true }));
beforeAll(async () => {
  await build({ entryPoints: [join(import.meta.dirname, "fixtures", "collect-child.ts")], bundle: true, platform: "node", format: "esm", target: "node20", outfile: child, logLevel: "warning" });
});

/** A workspace with `out/big.bin` (random-ish, `mb` MiB, written a chunk at a time) and small files. */
function bigWorkspace(mb: number): string {
  const ws = tempDir();
  mkdirSync(join(ws, "out", "small"), { recursive: true });
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(join(ws, "out", "big.bin"), "w");
  for (let i = 0; i < mb; i++) {
    chunk.fill(i % 251);
    chunk.writeUInt32LE(i, 0);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  for (let i = 0; i < 50; i++) {
    const small = openSync(join(ws, "out", "small", `f${i}.txt`), "w");
    writeSync(small, `file ${i}\n`);
    closeSync(small);
  }
  return ws;
}

function tmpFiles(store: string): string[] {
  try {
    return readdirSync(join(store, "tmp"));
  } catch {
    return [];
  }
}

async function collectAndKill(storeRoot: string, ws: string, runId: string, when: () => boolean): Promise<string> {
  const proc = spawn(process.execPath, [child, storeRoot, ws, runId], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  for (;;) {
    if (proc.exitCode !== null) break;
    if (when()) {
      proc.kill("SIGKILL");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const { code, signal } = await exited;
  // Either it finished and said so, or it was killed: never a failure of its own.
  expect(code === 0 ? out : signal).toBe(code === 0 ? "stored\n" : "SIGKILL");
  return out;
}

describe("crash safety", () => {
  it("a collect killed while writing a big object leaves no object, no record, and a temp file gc removes", async () => {
    const ws = bigWorkspace(200);
    const storeRoot = join(tempDir(), "store");
    const out = await collectAndKill(storeRoot, ws, "run-1", () => tmpFiles(storeRoot).some((name) => (statSync(join(storeRoot, "tmp", name), { throwIfNoEntry: false })?.size ?? 0) > 1 << 20));
    expect(out).toBe("");
    const store = openArtifactStore(storeRoot);
    expect(await store.list()).toEqual([]);
    expect(tmpFiles(storeRoot).length).toBeGreaterThan(0);
    expect(await store.verify()).toEqual([]);
    const report = await store.gc();
    expect(report.tempFiles).toBeGreaterThan(0);
    expect(tmpFiles(storeRoot)).toEqual([]);
    expect(readdirSync(join(storeRoot, "writers"))).toEqual([]);
  });

  it("killed at any moment, the store never has a record naming a missing object", async () => {
    const ws = bigWorkspace(24);
    const storeRoot = join(tempDir(), "store");
    const store = openArtifactStore(storeRoot);
    // Time one full collect (in another store), then kill at fractions of that time, late ones included.
    const started = Date.now();
    await collectAndKill(join(tempDir(), "store"), ws, "timing", () => false);
    const full = Date.now() - started;
    let completed = 0;
    for (let i = 1; i <= 12; i++) {
      const begin = Date.now();
      const out = await collectAndKill(storeRoot, ws, `run-${i}`, () => Date.now() - begin > (full * i) / 10);
      if (out === "stored\n") completed++;
      expect(await store.verify()).toEqual([]);
      for (const info of await store.list()) await store.restore(info.id, tempDir());
    }
    const report = await store.gc();
    expect(report.deleted).toEqual([]);
    expect(tmpFiles(storeRoot)).toEqual([]);
    // A child may be killed after its record is written but before it says so.
    expect((await store.list()).length).toBeGreaterThanOrEqual(completed);
  });
});
