/**
 * DORA performance bands, after the clusters of the Accelerate State of DevOps report (2023):
 *
 * | metric                 | elite            | high              | medium             | low               |
 * |------------------------|------------------|-------------------|--------------------|-------------------|
 * | deployment frequency   | daily or more    | weekly or more    | monthly or more    | less than monthly |
 * | lead time for changes  | under a day      | under a week      | under a month      | a month or more   |
 * | change failure rate    | at most 5%       | at most 10%       | at most 15%        | above 15%         |
 * | time to restore        | under an hour    | under a day       | under a week       | a week or more    |
 *
 * A month is 30 days. The report's bands are survey clusters with gaps between them; these are the
 * same cut points made contiguous, so every value has one band.
 */
export type Band = "elite" | "high" | "medium" | "low";
export type DoraMetric = "deploymentFrequency" | "leadTime" | "changeFailureRate" | "timeToRestore";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Upper (or, for frequency, lower) limits per band, best first. */
const LIMITS: Record<DoraMetric, { readonly higherIsBetter: boolean; readonly cuts: readonly [number, number, number] }> = {
  /** Promotions per day. */
  deploymentFrequency: { higherIsBetter: true, cuts: [1, 1 / 7, 1 / 30] },
  /** Milliseconds; a value below the cut is in the band. */
  leadTime: { higherIsBetter: false, cuts: [DAY, 7 * DAY, 30 * DAY] },
  /** A ratio 0..1; a value at or below the cut is in the band. */
  changeFailureRate: { higherIsBetter: false, cuts: [0.05, 0.1, 0.15] },
  timeToRestore: { higherIsBetter: false, cuts: [HOUR, DAY, 7 * DAY] },
};

const BANDS: readonly Band[] = ["elite", "high", "medium", "low"];

export function bandOf(metric: DoraMetric, value: number): Band {
  const { higherIsBetter, cuts } = LIMITS[metric];
  // The failure rate's cut points are inclusive ("at most 5%"); durations' are exclusive ("under a day").
  const inside = (cut: number) => (higherIsBetter ? value >= cut : metric === "changeFailureRate" ? value <= cut : value < cut);
  const index = cuts.findIndex(inside);
  return BANDS[index === -1 ? 3 : index]!;
}
