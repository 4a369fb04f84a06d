/**
 * Pure rendering of benchmark results: the Markdown table and the target checks. No I/O here, so the
 * arithmetic (per-unit cost, scaling ratios) is tested without running anything.
 */

export interface Row {
  readonly label: string;
  /** Jobs and edges of the generated pipeline; null for rows that compile nothing (node startup). */
  readonly jobs: number | null;
  readonly edges: number | null;
  /** Null when the case could not run; `note` says why. */
  readonly wallMs: number | null;
  readonly peakRssMb: number | null;
  readonly note?: string;
  /** A wall-time target in ms for this row, checked as PASS/MISS. */
  readonly targetMs?: number;
  /** Set when the row's guard failed (bench/guards/): `note` then reads `INVALID: …`. */
  readonly invalid?: string;
}

export interface Check {
  readonly what: string;
  readonly value: string;
  readonly target: string;
  /** null: informational, or could not be computed. */
  readonly pass: boolean | null;
  /** Set when the figure's guard failed (bench/guards/): the work it timed was not done, so no verdict counts. */
  readonly invalid?: string;
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const verdict = (pass: boolean | null): string => (pass === null ? "" : pass ? "PASS" : "MISS");

export function perUnitMs(row: Row): number | null {
  if (row.wallMs === null || row.jobs === null || row.edges === null) return null;
  return row.wallMs / (row.jobs + row.edges);
}

export function renderTable(rows: readonly Row[], runs: number): string {
  const lines = [
    `| case | jobs | edges | wall ms (median of ${runs}) | peak RSS MB | ms per (job+edge) | target |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of rows) {
    const unit = perUnitMs(row);
    const target = row.targetMs === undefined || row.wallMs === null ? "" : `< ${row.targetMs} ms ${verdict(row.wallMs < row.targetMs)}`;
    const wall = row.wallMs === null ? (row.note ?? "n/a").replaceAll("|", "\\|") : fixed(row.wallMs, 0);
    lines.push(
      `| ${row.label} | ${row.jobs ?? "—"} | ${row.edges ?? "—"} | ${wall} | ${row.peakRssMb === null ? "—" : fixed(row.peakRssMb, 0)} | ${unit === null ? "—" : fixed(unit, 4)} | ${target} |`,
    );
  }
  return lines.join("\n");
}

/** The n log n bound for per-(job+edge) cost between two sizes: log(large) / log(small). */
export const nLogNBound = (small: number, large: number): number => Math.log(large) / Math.log(small);

/**
 * Scaling checks for one case measured at several sizes (sorted by jobs):
 * - "per-unit": per-(job+edge) wall time at the largest size over the smallest, as the issue states it.
 *   Fixed costs (process start, loading the compiler) dominate small sizes and make this lenient.
 * - "marginal": the cost of each extra job+edge between the two largest sizes over that between the two
 *   smallest, which fixed costs cancel out of; n log n keeps this under the same bound.
 */
export function scalingChecks(label: string, rows: readonly Row[]): Check[] {
  const measured = rows.filter((row) => row.wallMs !== null && row.jobs !== null && row.edges !== null).sort((a, b) => a.jobs! - b.jobs!);
  if (measured.length < 2) return [{ what: `${label}: scaling`, value: "not enough sizes measured", target: "", pass: null }];
  const [first, second] = [measured[0]!, measured[1]!];
  const [beforeLast, last] = [measured[measured.length - 2]!, measured[measured.length - 1]!];
  const bound = nLogNBound(first.jobs!, last.jobs!);
  const units = (row: Row): number => row.jobs! + row.edges!;
  const perUnit = perUnitMs(last)! / perUnitMs(first)!;
  const checks: Check[] = [
    { what: `${label}: per-(job+edge) cost, ${last.jobs} vs ${first.jobs} jobs`, value: `${fixed(perUnit, 2)}x`, target: `≤ ${fixed(bound, 2)}x`, pass: perUnit <= bound },
  ];
  if (measured.length >= 3) {
    const slope = (a: Row, b: Row): number => (b.wallMs! - a.wallMs!) / (units(b) - units(a));
    const [low, high] = [slope(first, second), slope(beforeLast, last)];
    const marginal = high / low;
    checks.push({
      what: `${label}: marginal cost per extra job+edge, ${beforeLast.jobs}→${last.jobs} vs ${first.jobs}→${second.jobs}`,
      value: low > 0 ? `${fixed(high, 4)} / ${fixed(low, 4)} ms = ${fixed(marginal, 2)}x` : `n/a: no measurable growth from ${first.jobs} to ${second.jobs} jobs (fixed costs and noise)`,
      target: `≤ ${fixed(bound, 2)}x`,
      pass: low > 0 ? marginal <= bound : null,
    });
  }
  return checks;
}

export function renderChecks(checks: readonly Check[]): string {
  return checks
    .map((check) =>
      check.invalid !== undefined
        ? `- ${check.what}: INVALID (${check.invalid})`
        : `- ${check.what}: ${check.value}${check.target ? ` (target ${check.target})` : ""} ${verdict(check.pass)}`.trimEnd(),
    )
    .join("\n");
}
