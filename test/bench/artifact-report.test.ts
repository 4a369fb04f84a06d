import { describe, expect, it } from "vitest";
import { ARTIFACT_TARGETS, bytesLabel, cacheSummary, dfFilesystem, mbPerSecond, profileLine, summarizeCpuProfile, throughputRatio, underLimit, type CpuProfile } from "../../bench/artifact-report.ts";

describe("throughput and limits", () => {
  it("compares pipec's throughput to the floor's as floor time / pipec time", () => {
    expect(throughputRatio(700, 1000, 0.7)).toEqual({ ratio: 0.7, pass: true });
    expect(throughputRatio(690, 1000, 0.7)?.pass).toBe(false);
    expect(throughputRatio(3000, 1000, 0.7)).toEqual({ ratio: 3, pass: true });
    expect(throughputRatio(null, 1000, 0.7)).toBeNull();
    expect(throughputRatio(1000, null, 0.7)).toBeNull();
    expect(throughputRatio(1000, 0, 0.7)).toBeNull();
    expect(throughputRatio(Number.NaN, 10, 0.7)).toBeNull();
  });

  it("checks a value strictly under a limit", () => {
    expect(underLimit(99.9, 100)?.pass).toBe(true);
    expect(underLimit(100, 100)).toEqual({ ratio: 1, pass: false });
    expect(underLimit(null, 100)).toBeNull();
    expect(ARTIFACT_TARGETS).toEqual({ throughputRatio: 0.7, memoryAboveIdleMb: 100, cachedRerunMs: 1000 });
  });

  it("speaks decimal units for throughput", () => {
    expect(mbPerSecond(2 ** 30, 2000)).toBeCloseTo(536.87, 1);
    expect(bytesLabel(2 ** 30)).toBe("1.07 GB");
    expect(bytesLabel(92_345_678)).toBe("92.3 MB");
    expect(bytesLabel(2_500)).toBe("2.5 kB");
  });
});

describe("cacheSummary", () => {
  const line = (event: Record<string, unknown>) => JSON.stringify({ time: "t", runId: "r", ...event });
  it("counts job.cache hits and misses and the steps that ran", () => {
    const stdout = [
      line({ type: "run.started" }),
      line({ type: "job.started", job: "a" }),
      line({ type: "job.cache", job: "a", hit: true, key: "k", changed: [] }),
      line({ type: "job.started", job: "b" }),
      line({ type: "job.cache", job: "b", hit: false, key: "k2", changed: ["input a.out", "step 1"] }),
      line({ type: "step.started", job: "b", step: 0 }),
      "{ not json",
      "plain text",
      line({ type: "run.finished" }),
    ].join("\n");
    expect(cacheSummary(stdout)).toEqual({ events: 2, hits: 1, misses: [{ job: "b", changed: ["input a.out", "step 1"] }], steps: 1 });
  });

  it("finds nothing in a run without a job cache", () => {
    expect(cacheSummary(line({ type: "step.started" }))).toEqual({ events: 0, hits: 0, misses: [], steps: 1 });
  });
});

describe("summarizeCpuProfile", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
      { id: 2, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
      { id: 3, callFrame: { functionName: "update", url: "node:internal/crypto/hash", lineNumber: 131 } },
      { id: 4, callFrame: { functionName: "", url: "file:///work/main/dist/chunks/store-X.mjs", lineNumber: 9 } },
      { id: 5, callFrame: { functionName: "update", url: "node:internal/crypto/hash", lineNumber: 131 } },
    ],
    samples: [2, 3, 2, 4, 5, 2],
    timeDeltas: [1000, 2000, 3000, 500, 1500, 2000],
  };

  it("adds self time by function, largest first, with shares of the whole span", () => {
    const summary = summarizeCpuProfile(profile);
    expect(summary.totalMs).toBe(10);
    expect(summary.entries).toEqual([
      { name: "(idle)", selfMs: 6, share: 0.6 },
      { name: "update crypto/hash:132", selfMs: 3.5, share: 0.35 },
      { name: "(anonymous) chunks/store-X.mjs:10", selfMs: 0.5, share: 0.05 },
    ]);
    expect(summarizeCpuProfile(profile, 1).entries).toHaveLength(1);
    expect(profileLine(summarizeCpuProfile(profile, 2))).toBe("(idle) 60%, update crypto/hash:132 35%");
  });

  it("copes with an empty profile", () => {
    expect(summarizeCpuProfile({ nodes: [], samples: [], timeDeltas: [] })).toEqual({ totalMs: 0, entries: [] });
  });
});

describe("dfFilesystem", () => {
  it("reads the file system and mount point of df -P", () => {
    const text = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda         263174212 25051264  81312496      24% /\n";
    expect(dfFilesystem(text)).toEqual({ filesystem: "/dev/vda", mountedOn: "/" });
    expect(dfFilesystem("Filesystem 1024-blocks Used Available Capacity Mounted on\ntmpfs 10 1 9 10% /mnt/my disk\n")).toEqual({ filesystem: "tmpfs", mountedOn: "/mnt/my disk" });
    expect(dfFilesystem("")).toBeNull();
    expect(dfFilesystem("header only\n")).toBeNull();
  });
});
