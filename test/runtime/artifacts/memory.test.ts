import { closeSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { META, newStore, tempDir } from "./helpers.ts";

const SIZE = 300 * 1024 * 1024;

/** Peak RSS growth over the baseline while `work` runs, sampled every 10 ms. */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - baseline;
}

describe("bounded memory", () => {
  it("collects and restores a 300 MB file without holding it in memory", { timeout: 120_000 }, async () => {
    const ws = tempDir();
    const path = join(ws, "out", "big.bin");
    mkdirSync(join(ws, "out"));
    // Sparse with some data at both ends: fast to make, still 300 MB to read and hash.
    const fd = openSync(path, "w");
    ftruncateSync(fd, SIZE);
    writeSync(fd, Buffer.from("head"), 0, 4, 0);
    writeSync(fd, Buffer.from("tail"), 0, 4, SIZE - 4);
    closeSync(fd);

    const store = newStore();
    // Warm up (module loading, JIT) outside the measurement.
    writeSync(openSync(join(ws, "warm.txt"), "w"), "warm");
    await store.collect(ws, { paths: ["warm.txt"] }, { ...META, name: "warm" });
    let id = "";
    const collectGrowth = await peakRssGrowth(async () => {
      const result = await store.collect(ws, { paths: ["out"] }, META);
      if (result.kind !== "stored") throw new Error(result.message);
      id = result.record.id;
    });
    const dest = tempDir();
    const restoreGrowth = await peakRssGrowth(() => store.restore(id, dest));
    expect(statSync(join(dest, "out", "big.bin")).size).toBe(SIZE);
    expect(collectGrowth).toBeLessThan(32 * 1024 * 1024);
    expect(restoreGrowth).toBeLessThan(32 * 1024 * 1024);
  });
});
