import { describe, expect, it } from "vitest";
import { latencyBin, binValue, LATENCY_BINS } from "../../../../../runtime/deploy/router/builtin/latency-histogram.ts";
import { MetricsWindow } from "../../../../../runtime/deploy/router/builtin/metrics-window.ts";

function fakeClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe("MetricsWindow", () => {
  it("reports nulls for a window without requests", () => {
    const clock = fakeClock(5_000);
    expect(new MetricsWindow({ now: clock.now }).snapshot(60_000)).toEqual({
      requests: 0, errors: 0, errorRate: null, successRate: null,
      latencyAvgMs: null, latencyP50Ms: null, latencyP95Ms: null, latencyP99Ms: null,
    });
  });

  it("counts requests and errors inside the window and forgets older buckets", () => {
    const clock = fakeClock(10_000);
    const window = new MetricsWindow({ now: clock.now });
    for (let i = 0; i < 10; i++) window.record(5, i < 2);
    clock.advance(30_000);
    for (let i = 0; i < 30; i++) window.record(5, i < 3);
    expect(window.snapshot(10_000)).toMatchObject({ requests: 30, errors: 3, errorRate: 0.1, successRate: 0.9 });
    expect(window.snapshot(60_000)).toMatchObject({ requests: 40, errors: 5 });
    clock.advance(700_000);
    expect(window.snapshot(600_000).requests).toBe(0);
  });

  it("gives percentiles within 4% and an exact average", () => {
    const clock = fakeClock(1_000);
    const window = new MetricsWindow({ now: clock.now });
    for (let ms = 1; ms <= 100; ms++) window.record(ms, false);
    const metrics = window.snapshot(60_000);
    expect(metrics.latencyAvgMs).toBeCloseTo(50.5, 9);
    expect(Math.abs(metrics.latencyP50Ms! / 50 - 1)).toBeLessThan(0.04);
    expect(Math.abs(metrics.latencyP95Ms! / 95 - 1)).toBeLessThan(0.04);
    expect(Math.abs(metrics.latencyP99Ms! / 99 - 1)).toBeLessThan(0.04);
  });

  it("clamps percentiles to the latencies seen", () => {
    const clock = fakeClock(1_000);
    const window = new MetricsWindow({ now: clock.now });
    for (let i = 0; i < 10; i++) window.record(3, false);
    expect(window.snapshot(1_000)).toMatchObject({ latencyP50Ms: 3, latencyP99Ms: 3 });
  });

  it("reuses bucket slots across the ring with a fixed memory size", () => {
    const clock = fakeClock(0);
    const window = new MetricsWindow({ now: clock.now, bucketMs: 1000, maxWindowMs: 5_000 });
    for (let second = 0; second < 20; second++) {
      window.record(1, false);
      clock.advance(1000);
    }
    expect(window.snapshot(5_000).requests).toBe(5);
    // Cut to maxWindowMs: the 5 buckets before the current (empty) one.
    expect(window.snapshot(60_000).requests).toBe(5);
  });
});

describe("latency bins", () => {
  it.each([0.01, 0.05, 0.3, 1, 7.5, 250, 30_000])("puts %d ms in a bin whose value is within 4%", (ms) => {
    const bin = latencyBin(ms);
    if (ms >= 0.05) expect(Math.abs(binValue(bin) / ms - 1)).toBeLessThan(0.04);
    else expect(bin).toBe(0);
  });

  it("sends huge latencies to the last bin", () => {
    expect(latencyBin(10 ** 9)).toBe(LATENCY_BINS - 1);
    expect(latencyBin(Number.NaN)).toBe(0);
  });
});
