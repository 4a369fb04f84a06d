import { describe, expect, it } from "vitest";
import { renderChecks } from "../../bench/report.ts";
import { ratioAtMost, ratioChecks, renderRunTable, targetCell, times, type RunRow } from "../../bench/run-report.ts";

describe("run report", () => {
  it("checks a ratio against an upper bound, and gives no verdict without both sides", () => {
    expect(ratioAtMost(1300, 1000, 1.3)).toEqual({ ratio: 1.3, pass: true });
    expect(ratioAtMost(1400, 1000, 1.3)?.pass).toBe(false);
    expect(ratioAtMost(null, 1000, 1.3)).toBeNull();
    expect(ratioAtMost(100, null, 1.3)).toBeNull();
    expect(ratioAtMost(100, 0, 1.3)).toBeNull();
    expect(times(0.4166)).toBe("0.42x");
    expect(targetCell("≤ 0.5x", { ratio: 0.4, pass: true })).toBe("≤ 0.5x PASS");
    expect(targetCell("≤ 0.5x", null)).toBe("≤ 0.5x (not measured)");
    expect(targetCell("≤ 0.5x", { ratio: 0.4, pass: true }, "2 of 50 jobs were job-cache hits")).toBe("≤ 0.5x INVALID");
  });

  it("renders a case's rows under one first cell, with unavailable figures and escaped pipes", () => {
    const rows: RunRow[] = [
      { section: "50 no-op jobs", figure: "floor", ms: 5012.4, ratio: "1.00x floor" },
      { section: "50 no-op jobs", figure: "pipec run", ms: 6100, peakRssMb: 98.6, ratio: "1.22x floor", target: "≤ 1.3x floor PASS" },
      { section: "50 no-op jobs", figure: "gitlab-ci-local", ms: null, note: "peer unavailable: a | b" },
      { section: "memory", figure: "pipec run", ms: 3000, peakRssMb: null },
    ];
    expect(renderRunTable(rows)).toMatchInlineSnapshot(`
      "| case | figure | wall ms | peak RSS MB | ratio | target |
      | --- | --- | ---: | ---: | ---: | --- |
      | 50 no-op jobs | floor | 5012 |  | 1.00x floor |  |
      |  | pipec run | 6100 | 99 | 1.22x floor | ≤ 1.3x floor PASS |
      |  | gitlab-ci-local | peer unavailable: a \\| b |  |  |  |
      | memory | pipec run | 3000 |  |  |  |"
    `);
  });

  it("an INVALID check has no verdict and prints its reason instead of a value", () => {
    const [check] = ratioChecks([{ what: "overhead", bound: "≤ 1.3x", check: { ratio: 0.1, pass: true }, invalid: "run 2 of 3: 50 of 50 jobs were job-cache hits, not runs" }]);
    expect(check).toEqual({ what: "overhead", value: "0.10x", target: "≤ 1.3x", pass: null, invalid: "run 2 of 3: 50 of 50 jobs were job-cache hits, not runs" });
    expect(renderChecks([check!])).toBe("- overhead: INVALID (run 2 of 3: 50 of 50 jobs were job-cache hits, not runs)");
  });

  it("turns ratio checks into check lines, unmeasured ones without a verdict", () => {
    expect(
      ratioChecks([
        { what: "overhead", bound: "≤ 1.3x", check: { ratio: 1.5, pass: false } },
        { what: "peer", bound: "≤ 0.5x", check: null },
      ]),
    ).toEqual([
      { what: "overhead", value: "1.50x", target: "≤ 1.3x", pass: false },
      { what: "peer", value: "not measured", target: "≤ 0.5x", pass: null },
    ]);
  });
});
