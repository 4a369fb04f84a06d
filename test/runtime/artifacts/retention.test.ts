import { describe, expect, it } from "vitest";
import { planRetention, type RetentionCandidate, type RetentionPolicy } from "../../../runtime/artifacts/index.ts";
import { DAY } from "./helpers.ts";

const NOW = Date.parse("2030-02-01T00:00:00Z");

function artifact(id: string, fields: Partial<RetentionCandidate> & { ageDays?: number; usedDaysAgo?: number; size?: number } = {}): RetentionCandidate {
  const { ageDays = 1, usedDaysAgo = ageDays, size = 100, ...rest } = fields;
  return {
    id,
    label: `build.${id}`,
    pipeline: "web",
    runId: `run-${id}`,
    createdAt: NOW - ageDays * DAY,
    lastUsedAt: NOW - usedDaysAgo * DAY,
    expiresAt: null,
    pinned: false,
    heldBy: [],
    objects: [{ digest: `obj-${id}`, size }],
    ...rest,
  };
}

const plan = (artifacts: RetentionCandidate[], policy: RetentionPolicy, cacheEntries: { key: string; lastUsedAt: number; artifactIds: string[] }[] = []) =>
  planRetention({ artifacts, policy, cacheEntries, now: NOW });
const deletedIds = (result: ReturnType<typeof plan>) => result.deleteArtifacts.map((d) => `${d.id}:${d.rule}`).sort();

describe("retention", () => {
  it("deletes only expired artifacts without a policy", () => {
    const result = plan([artifact("old", { ageDays: 400 }), artifact("exp", { expiresAt: NOW - 2 * DAY }), artifact("later", { expiresAt: NOW + DAY })], {});
    expect(deletedIds(result)).toEqual(["exp:expired"]);
    expect(result.deleteArtifacts[0]!.reason).toBe("expired 2d ago");
  });

  it("max age counts from the last use, not from creation", () => {
    const result = plan([artifact("stale", { ageDays: 30, usedDaysAgo: 10 }), artifact("used", { ageDays: 30, usedDaysAgo: 1 })], { maxAgeMs: 7 * DAY });
    expect(deletedIds(result)).toEqual(["stale:max-age"]);
    expect(result.deleteArtifacts[0]!.reason).toBe("unused for 10d (max age 7d)");
  });

  it("keeps the last N runs of each pipeline, and keeps those whatever their age", () => {
    const runs = [1, 2, 3, 4].map((n) => artifact(`w${n}`, { ageDays: 50 - n }));
    const api = [artifact("a1", { pipeline: "api", ageDays: 100 })];
    const result = plan([...runs, ...api], { keepRunsPerPipeline: 2, maxAgeMs: 7 * DAY });
    expect(deletedIds(result)).toEqual(["w1:keep-runs", "w2:keep-runs"]);
    expect(result.deleteArtifacts.find((d) => d.id === "w1")!.reason).toBe("run run-w1 is not among the last 2 runs of pipeline web");
  });

  it("orders runs by their newest artifact", () => {
    const result = plan([artifact("x1", { runId: "r1", ageDays: 10 }), artifact("x2", { runId: "r1", ageDays: 1 }), artifact("y", { runId: "r2", ageDays: 5 })], { keepRunsPerPipeline: 1 });
    expect(deletedIds(result)).toEqual(["y:keep-runs"]);
  });

  it("deletes least recently used first until the store fits, counting shared objects once", () => {
    const shared = { digest: "shared", size: 1000 };
    const artifacts = [
      artifact("lru", { usedDaysAgo: 9, objects: [shared, { digest: "o1", size: 100 }] }),
      artifact("mid", { usedDaysAgo: 5, objects: [shared, { digest: "o2", size: 100 }] }),
      artifact("new", { usedDaysAgo: 1, objects: [{ digest: "o3", size: 100 }] }),
    ];
    const result = plan(artifacts, { maxTotalBytes: 1250 });
    // 1300 bytes: deleting lru frees only o1 (the shared object is still used by mid).
    expect(result.bytesBefore).toBe(1300);
    expect(deletedIds(result)).toEqual(["lru:max-size"]);
    expect(result.bytesAfter).toBe(1200);
    expect(deletedIds(plan(artifacts, { maxTotalBytes: 150 }))).toEqual(["lru:max-size", "mid:max-size"]);
  });

  it("keeps a size victim whose deletion frees nothing, or that fits again", () => {
    const shared = { digest: "shared", size: 1000 };
    const pinnedSharer = artifact("pinned", { usedDaysAgo: 20, pinned: true, objects: [shared] });
    const copy = artifact("copy", { usedDaysAgo: 9, objects: [shared] });
    const small = artifact("small", { usedDaysAgo: 8, objects: [{ digest: "s", size: 10 }] });
    const big = artifact("big", { usedDaysAgo: 7, objects: [{ digest: "b", size: 500 }] });
    // Over 1200: copy frees nothing, small too little, big is enough; then small fits again.
    const result = plan([pinnedSharer, copy, small, big], { maxTotalBytes: 1200 });
    expect(deletedIds(result)).toEqual(["big:max-size"]);
    expect(result.bytesAfter).toBe(1010);
  });

  describe("precedence", () => {
    it("a live holder and a pin beat every rule, and are reported as protected", () => {
      const result = plan(
        [
          artifact("held", { expiresAt: NOW - DAY, heldBy: ["run-9"], size: 10_000 }),
          artifact("pinned", { ageDays: 100, pinned: true, size: 10_000 }),
          artifact("free", { ageDays: 100, size: 10 }),
        ],
        { maxAgeMs: DAY, maxTotalBytes: 100 },
      );
      expect(deletedIds(result)).toEqual(["free:max-age"]);
      expect(result.protected.map((p) => [p.id, p.reason])).toEqual([
        ["held", "held by run run-9 (else: expired 1d ago)"],
        ["pinned", "pinned (else: unused for 100d (max age 1d))"],
      ]);
      expect(result.overLimit).toBe(true);
    });

    it("expiry beats keep-runs and the job cache", () => {
      const result = plan([artifact("exp", { expiresAt: NOW - DAY })], { keepRunsPerPipeline: 5 }, [{ key: "k", lastUsedAt: NOW, artifactIds: ["exp"] }]);
      expect(deletedIds(result)).toEqual(["exp:expired"]);
      expect(result.deleteCacheEntries).toEqual([{ key: "k", reason: "its artifact build.exp (exp) is deleted" }]);
    });

    it("the size limit beats keep-runs and the job cache", () => {
      const result = plan([artifact("cached", { usedDaysAgo: 3 }), artifact("recent", { usedDaysAgo: 1 })], { keepRunsPerPipeline: 10, maxTotalBytes: 150 }, [
        { key: "k", lastUsedAt: NOW - 2 * DAY, artifactIds: ["cached"] },
      ]);
      expect(deletedIds(result)).toEqual(["cached:max-size"]);
    });

    it("a cache entry keeps its artifacts from keep-runs and max age, and its hit counts as a use", () => {
      const result = plan([artifact("old", { ageDays: 60 }), artifact("newer", { ageDays: 1 })], { keepRunsPerPipeline: 1, maxAgeMs: 7 * DAY }, [
        { key: "k", lastUsedAt: NOW - DAY, artifactIds: ["old"] },
      ]);
      expect(deletedIds(result)).toEqual([]);
      expect(result.protected.map((p) => p.reason)).toEqual(["used by the job cache (else: run run-old is not among the last 1 runs of pipeline web)"]);
    });

    it("a cache entry unused past max age goes, and its artifacts with it", () => {
      const result = plan([artifact("old", { ageDays: 60 })], { maxAgeMs: 7 * DAY }, [{ key: "k", lastUsedAt: NOW - 30 * DAY, artifactIds: ["old"] }]);
      expect(result.deleteCacheEntries).toEqual([{ key: "k", reason: "unused for 30d (max age 7d)" }]);
      expect(deletedIds(result)).toEqual(["old:max-age"]);
    });
  });
});
