import { describe, expect, it } from "vitest";
import { nLogNBound, perUnitMs, renderChecks, renderTable, scalingChecks, type Row } from "../../bench/report.ts";

const row = (jobs: number, wallMs: number): Row => ({ label: "YAML build", jobs, edges: jobs / 2, wallMs, peakRssMb: 50 });
/** Wall time for a cost model of fixed + per-unit work at n jobs and n/2 edges. */
const model = (cost: (units: number) => number) => [100, 1000, 5000].map((jobs) => row(jobs, 80 + cost(jobs * 1.5)));

describe("report", () => {
  it("computes per-(job+edge) cost and the n log n bound", () => {
    expect(perUnitMs(row(100, 150))).toBe(1);
    expect(perUnitMs({ ...row(100, 150), wallMs: null })).toBeNull();
    expect(nLogNBound(100, 5000)).toBeCloseTo(1.849, 3);
  });

  it("passes n log n growth and misses quadratic growth on the marginal check", () => {
    const nLogN = scalingChecks("YAML build", model((units) => 0.01 * units * Math.log(units)));
    expect(nLogN.map((check) => check.pass)).toEqual([true, true]);
    const quadratic = scalingChecks("YAML build", model((units) => 0.00001 * units * units));
    expect(quadratic[1]!.pass).toBe(false);
  });

  it("reports, without a verdict, a marginal ratio that noise made meaningless", () => {
    const checks = scalingChecks("TS", [row(100, 300), row(1000, 290), row(5000, 400)]);
    expect(checks[1]!.pass).toBeNull();
    expect(scalingChecks("TS", [row(100, 300)])[0]!.pass).toBeNull();
  });

  it("renders the table with targets and unavailable rows", () => {
    const rows: Row[] = [
      { label: "node startup", jobs: null, edges: null, wallMs: 41.2, peakRssMb: 40.4 },
      { ...row(1000, 250), targetMs: 300 },
      { ...row(1000, 700), label: "TS build", targetMs: 600 },
      { label: "gitlab-ci-local", jobs: 1000, edges: 500, wallMs: null, peakRssMb: null, note: "peer unavailable: a | b" },
    ];
    expect(renderTable(rows, 3)).toMatchInlineSnapshot(`
      "| case | jobs | edges | wall ms (median of 3) | peak RSS MB | ms per (job+edge) | target |
      | --- | ---: | ---: | ---: | ---: | ---: | --- |
      | node startup | — | — | 41 | 40 | — |  |
      | YAML build | 1000 | 500 | 250 | 50 | 0.1667 | < 300 ms PASS |
      | TS build | 1000 | 500 | 700 | 50 | 0.4667 | < 600 ms MISS |
      | gitlab-ci-local | 1000 | 500 | peer unavailable: a \\| b | — | — |  |"
    `);
    expect(renderChecks([{ what: "ratio", value: "0.5x", target: "", pass: null }])).toBe("- ratio: 0.5x");
  });
});
