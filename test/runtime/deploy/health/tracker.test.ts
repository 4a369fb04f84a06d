/** The tracker's Kubernetes semantics, driven by a fake clock: no timers, no probes. */
import { describe, expect, it } from "vitest";
import { createHealthTracker, type HealthState, type HealthTiming } from "../../../../runtime/deploy/health/index.ts";

const timing = (overrides: Partial<HealthTiming> = {}): HealthTiming => ({
  intervalMs: 1_000,
  timeoutMs: 500,
  initialDelayMs: 0,
  failureThreshold: 3,
  successThreshold: 1,
  ...overrides,
});

/**
 * Probes one instance at every due time: each result (`+` ok, `-` failure) is recorded 10 ms after
 * its probe started. Returns the state after each result and the times probes started.
 */
function run(config: HealthTiming, results: string) {
  const tracker = createHealthTracker(config);
  tracker.add("a", 0);
  const states: HealthState[] = [];
  const startedAt: number[] = [];
  for (const symbol of results) {
    const due = tracker.nextDueAt()!;
    expect(tracker.dueProbes(due - 1)).toEqual([]);
    expect(tracker.dueProbes(due)).toEqual(["a"]);
    startedAt.push(due);
    tracker.record("a", symbol === "+" ? { ok: true } : { ok: false, reason: `failure at ${due}` }, due + 10);
    states.push(tracker.get("a")!.state);
  }
  return { states, startedAt, tracker };
}

describe("createHealthTracker", () => {
  it.each([
    // [case, timing, results, states after each result]
    ["one success makes it ready (successThreshold 1)", {}, "+", ["ready"]],
    ["ready stays ready until failureThreshold consecutive failures", {}, "+--+---", ["ready", "ready", "ready", "ready", "ready", "ready", "unready"]],
    ["unready becomes ready again after successThreshold successes", { successThreshold: 2 }, "++---+-++", ["pending", "ready", "ready", "ready", "unready", "unready", "unready", "unready", "ready"]],
    ["pending reaches unready after failureThreshold failures", { failureThreshold: 2 }, "--+", ["pending", "unready", "ready"]],
    ["flapping never reaches either threshold", { failureThreshold: 2, successThreshold: 2 }, "+-+-+-+-", Array(8).fill("pending")],
    ["flapping while ready never makes it unready", { failureThreshold: 2 }, "++-+-+-+", Array(8).fill("ready")],
    ["failureThreshold 1 flips at the first failure", { failureThreshold: 1 }, "+-+", ["ready", "unready", "ready"]],
  ] as const)("%s", (_case, overrides, results, expected) => {
    expect(run(timing(overrides), results).states).toEqual(expected);
  });

  it("waits initialDelay for the first probe, then probes every interval from each probe's start", () => {
    const { startedAt } = run(timing({ initialDelayMs: 5_000, intervalMs: 2_000 }), "+++");
    expect(startedAt).toEqual([5_000, 7_000, 9_000]);
  });

  it("adopts an instance known ready: ready at once, next probed an interval later (no initial delay), unready after failureThreshold failures", () => {
    const tracker = createHealthTracker(timing({ initialDelayMs: 5_000, intervalMs: 200, failureThreshold: 2 }));
    tracker.add("a", 1_000, true);
    expect(tracker.get("a")).toMatchObject({ state: "ready", nextProbeAt: 1_200 });
    expect(tracker.dueProbes(1_199)).toEqual([]);
    expect(tracker.dueProbes(1_200)).toEqual(["a"]);
    expect(tracker.record("a", { ok: false, reason: "refused" }, 1_210)).toBeNull();
    expect(tracker.dueProbes(1_400)).toEqual(["a"]);
    expect(tracker.record("a", { ok: false, reason: "refused" }, 1_410)).toMatchObject({ from: "ready", to: "unready", reason: "refused" });
  });

  it("ignores results recorded before the initial delay", () => {
    const tracker = createHealthTracker(timing({ initialDelayMs: 1_000 }));
    tracker.add("a", 100);
    expect(tracker.record("a", { ok: true }, 500)).toBeNull();
    expect(tracker.get("a")).toMatchObject({ state: "pending", consecutiveSuccesses: 0, nextProbeAt: 1_100 });
    expect(tracker.dueProbes(1_099)).toEqual([]);
    expect(tracker.dueProbes(1_100)).toEqual(["a"]);
  });

  it("reports each change once, with the failure that caused it", () => {
    const tracker = createHealthTracker(timing({ failureThreshold: 2 }));
    tracker.add("a", 0);
    tracker.dueProbes(0);
    expect(tracker.record("a", { ok: true }, 10)).toEqual({ instanceId: "a", from: "pending", to: "ready", at: 10, reason: null });
    tracker.dueProbes(1_000);
    expect(tracker.record("a", { ok: false, reason: "GET /healthz answered 503" }, 1_010)).toBeNull();
    tracker.dueProbes(2_000);
    expect(tracker.record("a", { ok: false, reason: "connection refused" }, 2_010)).toEqual({
      instanceId: "a",
      from: "ready",
      to: "unready",
      at: 2_010,
      reason: "connection refused",
    });
    tracker.dueProbes(3_000);
    expect(tracker.record("a", { ok: false, reason: "still refused" }, 3_010)).toBeNull();
    expect(tracker.get("a")).toMatchObject({ state: "unready", consecutiveFailures: 3, lastFailure: "still refused" });
  });

  it("never has two probes of one instance in flight; a probe slower than the interval is followed at once", () => {
    const tracker = createHealthTracker(timing({ intervalMs: 1_000 }));
    tracker.add("a", 0);
    expect(tracker.dueProbes(0)).toEqual(["a"]);
    expect(tracker.dueProbes(1_500)).toEqual([]);
    expect(tracker.nextDueAt()).toBeNull();
    expect(tracker.get("a")).toMatchObject({ probing: true });
    tracker.record("a", { ok: true }, 2_500);
    expect(tracker.nextDueAt()).toBe(2_500);
  });

  it("tracks instances independently and forgets removed ones", () => {
    const tracker = createHealthTracker(timing({ initialDelayMs: 100 }));
    tracker.add("a", 0);
    tracker.add("b", 50);
    tracker.add("a", 70); // already tracked: its schedule is kept
    expect(tracker.nextDueAt()).toBe(100);
    expect(tracker.dueProbes(120)).toEqual(["a"]);
    expect(tracker.dueProbes(150)).toEqual(["b"]);
    tracker.remove("b");
    expect(tracker.record("b", { ok: true }, 160)).toBeNull();
    expect(tracker.get("b")).toBeUndefined();
    expect(tracker.record("a", { ok: true }, 160)?.to).toBe("ready");
  });

  it.each([
    [{ intervalMs: 0 }, /intervalMs must be > 0/],
    [{ failureThreshold: 0 }, /failureThreshold must be an integer >= 1/],
    [{ successThreshold: 1.5 }, /successThreshold must be an integer >= 1/],
    [{ initialDelayMs: -1 }, /initialDelayMs must be >= 0/],
  ])("rejects invalid timing %j", (overrides, message) => {
    expect(() => createHealthTracker(timing(overrides))).toThrow(message);
  });
});
