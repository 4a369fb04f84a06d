import { describe, expect, it } from "vitest";
import { WeightedPicker } from "../../../../../runtime/deploy/router/builtin/weighted-picker.ts";

function pick(weights: Record<string, number>, count: number): Record<string, number> {
  const picker = new WeightedPicker<string>();
  picker.set(Object.entries(weights));
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const name = picker.next() ?? "none";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe("WeightedPicker (smooth weighted round robin)", () => {
  it.each([
    [{ stable: 90, canary: 10 }, 400, { stable: 360, canary: 40 }],
    [{ stable: 50, canary: 50 }, 10, { stable: 5, canary: 5 }],
    [{ stable: 0, canary: 100 }, 7, { canary: 7 }],
    [{ a: 12.5, b: 37.5, c: 50 }, 8, { a: 1, b: 3, c: 4 }],
    [{ stable: 0 }, 3, { none: 3 }],
  ])("splits %o over %d picks exactly", (weights, count, expected) => {
    expect(pick(weights, count)).toEqual(expected);
  });

  it("interleaves: a 10% version is never picked twice within 9 picks", () => {
    const picker = new WeightedPicker<string>();
    picker.set([["stable", 90], ["canary", 10]]);
    const sequence = Array.from({ length: 100 }, () => picker.next());
    const positions = sequence.flatMap((name, i) => (name === "canary" ? [i] : []));
    expect(positions).toHaveLength(10);
    for (let i = 1; i < positions.length; i++) expect(positions[i]! - positions[i - 1]!).toBe(10);
  });

  it("stays within one pick of the ideal count at every prefix for two versions", () => {
    const picker = new WeightedPicker<string>();
    picker.set([["stable", 67], ["canary", 33]]);
    let canary = 0;
    for (let n = 1; n <= 500; n++) {
      if (picker.next() === "canary") canary++;
      expect(Math.abs(canary - (n * 33) / 100)).toBeLessThanOrEqual(1);
    }
  });
});
