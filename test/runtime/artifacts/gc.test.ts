import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactError, ArtifactStoreBusyError, openArtifactStore, type ArtifactStore } from "../../../runtime/artifacts/index.ts";
import { storeLayout } from "../../../runtime/artifacts/layout.ts";
import { processRef } from "../../../runtime/artifacts/process-identity.ts";
import { DAY, META, fakeClock, newStore, tempDir, writeTree } from "./helpers.ts";

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

async function put(store: ArtifactStore, tree: Record<string, string>, meta: Partial<typeof META> = {}, expireInMs: number | null = null) {
  const result = await store.collect(writeTree(tempDir(), tree), { paths: Object.keys(tree), expireInMs }, { ...META, ...meta });
  if (result.kind !== "stored") throw new Error(result.message);
  return result.record;
}

const objectCount = (store: ArtifactStore) => {
  const objects = join(store.root, "objects");
  return readdirSync(objects).reduce((n, fan) => n + readdirSync(join(objects, fan)).length, 0);
};

describe("gc", () => {
  it("says why it cannot read the store instead of reporting 0 B freed (a file in the way)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "not-a-folder"), "x");
    const store = openArtifactStore(join(dir, "not-a-folder", "store"));
    await expect(store.gc()).rejects.toThrow(ArtifactError);
    await expect(store.gc()).rejects.toThrow(/cannot read the store .*not-a-folder/);
  });

  it("deletes expired artifacts, keeps objects shared with kept ones, and reports why", async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const short = await put(store, { "shared.txt": "shared", "mine.txt": "only here" }, { name: "short" }, DAY);
    const kept = await put(store, { "shared.txt": "shared" }, { name: "kept" });
    clock.advance(2 * DAY);

    const dry = await store.gc({ dryRun: true });
    expect(dry.deleted).toEqual([{ id: short.id, name: "build.short", runId: "run-1", pipeline: "web", rule: "expired", reason: "expired 1d ago" }]);
    expect(dry.orphanObjects).toBe(2); // mine.txt and short's manifest
    expect((await store.list()).length).toBe(2);

    const report = await store.gc();
    expect(report.deleted.map((d) => d.id)).toEqual([short.id]);
    expect(report.freedBytes).toBeGreaterThan("only here".length);
    expect((await store.list()).map((a) => a.id)).toEqual([kept.id]);
    expect(objectCount(store)).toBe(2); // shared.txt and kept's manifest
    const out = tempDir();
    await store.restore(kept.id, out);
    expect(await store.verify()).toEqual([]);
  });

  it("applies max age by last use: a restore counts as a use", async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const used = await put(store, { "a.txt": "a" }, { name: "used" });
    const idle = await put(store, { "b.txt": "b" }, { name: "idle" });
    clock.advance(6 * DAY);
    await store.restore(used.id, tempDir());
    clock.advance(2 * DAY);
    const report = await store.gc({ policy: { maxAgeMs: 7 * DAY } });
    expect(report.deleted.map((d) => [d.id, d.reason])).toEqual([[idle.id, "unused for 8d (max age 7d)"]]);
  });

  it("keeps pinned artifacts until unpinned", async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const a = await put(store, { "a.txt": "a" }, {}, DAY);
    expect((await store.pin(a.id.slice(0, 8))).pinned).toBe(true);
    clock.advance(2 * DAY);
    const kept = await store.gc();
    expect(kept.deleted).toEqual([]);
    expect(kept.protected).toEqual([{ id: a.id, name: "build.dist", reason: "pinned (else: expired 1d ago)" }]);
    expect((await store.get(a.id)).pinned).toBe(true);
    await store.pin(a.id, false);
    expect((await store.gc()).deleted.map((d) => d.id)).toEqual([a.id]);
  });

  it("never deletes what a live process holds; ignores and removes holders of dead processes", async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const live = await put(store, { "a.txt": "a" }, { name: "live", holdFor: "run-live" }, DAY);
    const dead = await put(store, { "b.txt": "b" }, { name: "dead" }, DAY);
    expect(await store.acquire("run-dead", [dead.id, "f".repeat(64)], { pid: deadPid() })).toEqual({ missing: ["f".repeat(64)] });
    clock.advance(2 * DAY);
    const report = await store.gc();
    expect(report.deleted.map((d) => d.id)).toEqual([dead.id]);
    expect(report.protected.map((p) => p.reason)).toEqual(["held by run run-live (else: expired 1d ago)"]);
    expect(report.staleHolders).toEqual(["run-dead"]);
    expect(readdirSync(join(store.root, "holders"))).toEqual(["run-live"]);
    await store.release("run-live");
    expect((await store.gc()).deleted.map((d) => d.id)).toEqual([live.id]);
  });

  it("removes temp files left by dead processes, not those of live ones", async () => {
    const store = newStore();
    await put(store, { "a.txt": "a" });
    const tmp = storeLayout(store.root).tmp;
    const me = processRef();
    writeFileSync(join(tmp, `${deadPid()}-x-abandoned`), "half an object");
    writeFileSync(join(tmp, `${me.pid}-${me.startedAt ?? "x"}-in-flight`), "being written");
    const report = await store.gc();
    expect(report.tempFiles).toBe(1);
    expect(readdirSync(tmp)).toEqual([`${me.pid}-${me.startedAt ?? "x"}-in-flight`]);
  });

  it("drops cache entries whose artifacts go, and never returns them", async () => {
    const clock = fakeClock();
    const store = newStore({ now: clock.now });
    const a = await put(store, { "a.txt": "a" }, {}, DAY);
    await store.putCacheEntry("build:abc", { artifactIds: [a.id], data: { exitCode: 0 } });
    expect(await store.getCacheEntry("build:abc")).toMatchObject({ key: "build:abc", artifactIds: [a.id], data: { exitCode: 0 } });
    expect(await store.getCacheEntry("build:other")).toBeUndefined();
    clock.advance(2 * DAY);
    const report = await store.gc();
    expect(report.cacheEntries).toEqual([{ key: "build:abc", reason: `its artifact build.dist (${a.id.slice(0, 12)}) is deleted` }]);
    expect(await store.getCacheEntry("build:abc")).toBeUndefined();
  });

  it("running beside collects, never leaves a record without its objects nor deletes a held artifact", async () => {
    const store = newStore();
    // Held artifacts and free ones (expired at once) of different bytes: gc keeps deleting the free
    // ones' objects while the next collects store the same bytes again.
    const tree = (kind: string, n: number) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`out/f${i}.txt`, `${kind} ${n} ${i % 5}`]));
    const spaces = [0, 1, 2].map((n) => ({ held: writeTree(tempDir(), tree("held", n)), free: writeTree(tempDir(), tree("free", n)) }));
    let collecting = true;
    const gcs = (async () => {
      let runs = 0;
      while (collecting || runs === 0) {
        await store.gc();
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return runs;
    })();
    const held = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const ws = spaces[i % 3]!;
      const [kept] = await Promise.all([
        store.collect(ws.held, { paths: ["out"], expireInMs: 0 }, { ...META, runId: `run-${i}`, holdFor: "run-held" }),
        store.collect(ws.free, { paths: ["out"], expireInMs: 0 }, { ...META, name: "free", runId: `run-${i}` }),
      ]);
      if (kept.kind === "stored") held.add(kept.record.id);
    }
    collecting = false;
    expect(await gcs).toBeGreaterThan(0);
    expect(await store.verify()).toEqual([]);
    const listed = await store.list();
    for (const id of held) expect(listed.map((a) => a.id)).toContain(id);
    for (const info of listed) await store.restore(info.id, tempDir());
    await store.release("run-held");
    await store.gc();
    expect(await store.list()).toEqual([]);
    expect(objectCount(store)).toBe(0);
  });

  describe("the gc lock", () => {
    it("refuses a second gc while a live one holds the lock, and takes over a dead one's", async () => {
      const store = newStore();
      await put(store, { "a.txt": "a" });
      const lock = storeLayout(store.root).gcLock;
      writeFileSync(lock, JSON.stringify(processRef()));
      await expect(store.gc()).rejects.toThrow(ArtifactStoreBusyError);
      writeFileSync(lock, JSON.stringify({ pid: deadPid(), startedAt: null }));
      await expect(store.gc()).resolves.toMatchObject({ deleted: [] });
      expect(existsSync(lock)).toBe(false);
    });

    it("makes a collect wait while a live gc holds the store", async () => {
      const store = newStore();
      mkdirSync(store.root, { recursive: true });
      const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
      try {
        writeFileSync(storeLayout(store.root).gcLock, JSON.stringify(processRef(sleeper.pid!)));
        let done = false;
        const collecting = put(store, { "a.txt": "a" }).then((record) => {
          done = true;
          return record;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(done).toBe(false);
        sleeper.kill("SIGKILL");
        await new Promise((resolve) => sleeper.once("exit", resolve));
        await expect(collecting).resolves.toMatchObject({ name: "dist" });
      } finally {
        sleeper.kill("SIGKILL");
      }
    });
  });
});
