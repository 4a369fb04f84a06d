/** The DORA core on hand-made histories with a fake clock: each figure, its counts, and "not enough data". */
import { describe, expect, it } from "vitest";
import { bandOf, computeDora, median, type DeliveryRecord } from "../../../runtime/metrics/index.ts";

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.parse("2026-03-31T00:00:00.000Z");
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();

let next = 1;
function rev(fields: Partial<DeliveryRecord> & Pick<DeliveryRecord, "status" | "startedAt">): DeliveryRecord {
  return { deployment: "web", revision: next++, undoOf: null, finishedAt: fields.startedAt, commit: null, kind: "rollout", promotedAt: null, rolledBackAt: null, recoveredAt: null, ...fields };
}
const commit = (sha: string, authoredAt: string) => ({ sha, branch: "main", authoredAt });
const window = { now: NOW, sinceMs: 30 * D };

describe("DORA figures", () => {
  it("counts promoted rollouts per day, lead time per commit, failures and restores", () => {
    const records = [
      // 40 days ago: outside the window.
      rev({ status: "healthy", startedAt: at(40 * D), promotedAt: at(40 * D), commit: commit("a0", at(41 * D)) }),
      rev({ status: "healthy", startedAt: at(20 * D), promotedAt: at(20 * D - H), commit: commit("a1", at(20 * D + 3 * H)) }), // 4h
      // Degraded at 10d, restored by the next promotion 2h later.
      rev({ status: "degraded", startedAt: at(10 * D), finishedAt: at(10 * D - 600_000), rolledBackAt: at(10 * D - 600_000), recoveredAt: at(10 * D - 600_000 - 2 * H), commit: commit("a2", at(10 * D + H)) }),
      rev({ status: "healthy", startedAt: at(10 * D - 2 * H), promotedAt: at(10 * D - 600_000 - 2 * H), commit: commit("a3", at(11 * D)) }), // ~1d
      // The same commit deployed again later: lead time counts its first promotion only.
      rev({ status: "healthy", startedAt: at(5 * D), promotedAt: at(5 * D), commit: commit("a3", at(11 * D)) }),
      // Promoted, then undone 1h later; the undo restores it at once.
      rev({ status: "healthy", startedAt: at(2 * D), promotedAt: at(2 * D), rolledBackAt: at(2 * D - H), recoveredAt: at(2 * D - H - 60_000), commit: commit("a4", at(2 * D + 30 * 60_000)) }), // 30 min
      rev({ status: "healthy", kind: "undo", undoOf: 4, startedAt: at(2 * D - H), promotedAt: at(2 * D - H - 60_000), commit: commit("a3", at(11 * D)) }),
      rev({ status: "cancelled", startedAt: at(D), rolledBackAt: at(D) }),
      rev({ status: "progressing", startedAt: at(60_000) }),
    ];
    const figures = computeDora(records, window, "web");
    expect(figures.deploymentFrequency).toMatchObject({ deployments: 4, days: 30, band: "medium", note: null });
    expect(figures.deploymentFrequency.perDay).toBeCloseTo(4 / 30);
    // Lead times: 4h (a1), 1d2h10m (a3: authored 11d ago, first promoted 10d-2h10m ago), 30 min (a4).
    expect(figures.leadTime).toMatchObject({ changes: 3, withoutCommit: 0, band: "elite" });
    expect(figures.leadTime.medianMs).toBe(4 * H);
    expect(figures.changeFailureRate).toMatchObject({ deployments: 5, failed: 1, undone: 1, cancelled: 1, band: "low" });
    expect(figures.changeFailureRate.rate).toBeCloseTo(2 / 5);
    expect(figures.changeFailureRate.note).toBe("1 cancelled rollout(s) not counted");
    expect(figures.timeToRestore).toMatchObject({ failures: 2, restored: 2, unrestored: 0, band: "high" });
    // Medians of 2h and 1 min.
    expect(figures.timeToRestore.medianMs).toBe((2 * H + 60_000) / 2);
  });

  it("says not enough data, with why, for an empty window", () => {
    const figures = computeDora([rev({ status: "healthy", startedAt: at(40 * D), promotedAt: at(40 * D) })], window, "web");
    expect(figures.deploymentFrequency).toMatchObject({ deployments: 0, perDay: null, band: null, note: "not enough data: no rollout was promoted in the last 30 days" });
    expect(figures.leadTime).toMatchObject({ changes: 0, medianMs: null, band: null });
    expect(figures.changeFailureRate).toMatchObject({ deployments: 0, rate: null, band: null, note: "not enough data: no rollout with a verdict in the last 30 days" });
    expect(figures.timeToRestore).toMatchObject({ failures: 0, medianMs: null, band: null, note: "not enough data: no failed or rolled-back rollout in the last 30 days" });
  });

  it("leaves out promotions without a commit, and failures not restored yet, saying so", () => {
    const records = [
      rev({ status: "healthy", startedAt: at(3 * D), promotedAt: at(3 * D) }),
      rev({ status: "failed", startedAt: at(2 * D) }),
    ];
    const figures = computeDora(records, window, "web");
    expect(figures.leadTime).toMatchObject({ changes: 0, withoutCommit: 1, band: null, note: "not enough data: no promoted rollout in the last 30 days records a commit (1 promotion(s) record no commit and are left out)" });
    expect(figures.changeFailureRate).toMatchObject({ deployments: 2, failed: 1, rate: 0.5 });
    expect(figures.timeToRestore).toMatchObject({ failures: 1, restored: 0, unrestored: 1, medianMs: null, band: null, note: "not enough data: 1 failure(s), none restored by a healthy promotion yet" });
  });

  it("reads histories from before delivery times: healthy means promoted at its end, undoOf means an undo", () => {
    const records = [
      rev({ status: "healthy", startedAt: at(2 * D), finishedAt: at(2 * D - 60_000) }),
      rev({ status: "healthy", undoOf: 1, startedAt: at(D), finishedAt: at(D) }),
    ];
    const figures = computeDora(records, window, "web");
    expect(figures.deploymentFrequency.deployments).toBe(1);
    expect(figures.changeFailureRate.deployments).toBe(1);
  });

  it("a restart or an undo is not a change", () => {
    const records = [rev({ status: "healthy", kind: "restart", undoOf: 1, startedAt: at(D), promotedAt: at(D) }), rev({ status: "degraded", kind: "undo", undoOf: 1, startedAt: at(D) })];
    const figures = computeDora(records, window, null);
    expect(figures.deploymentFrequency.deployments).toBe(0);
    expect(figures.changeFailureRate.deployments).toBe(0);
    expect(figures.timeToRestore.failures).toBe(0);
  });
});

describe("bands", () => {
  it.each([
    ["deploymentFrequency", 3, "elite"],
    ["deploymentFrequency", 1, "elite"],
    ["deploymentFrequency", 0.5, "high"],
    ["deploymentFrequency", 1 / 7, "high"],
    ["deploymentFrequency", 0.1, "medium"],
    ["deploymentFrequency", 1 / 60, "low"],
    ["leadTime", 23 * H, "elite"],
    ["leadTime", D, "high"],
    ["leadTime", 8 * D, "medium"],
    ["leadTime", 30 * D, "low"],
    ["changeFailureRate", 0, "elite"],
    ["changeFailureRate", 0.05, "elite"],
    ["changeFailureRate", 0.1, "high"],
    ["changeFailureRate", 0.15, "medium"],
    ["changeFailureRate", 0.2, "low"],
    ["timeToRestore", 59 * 60_000, "elite"],
    ["timeToRestore", H, "high"],
    ["timeToRestore", 3 * D, "medium"],
    ["timeToRestore", 7 * D, "low"],
  ] as const)("%s %d is %s", (metric, value, band) => {
    expect(bandOf(metric, value)).toBe(band);
  });

  it("medians", () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
