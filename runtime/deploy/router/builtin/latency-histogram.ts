/**
 * Log-scale latency bins shared by the metrics buckets. Bin 0 holds [0, 0.05 ms); bin i >= 1
 * holds [0.05 × 1.08^(i-1), 0.05 × 1.08^i) ms; the last bin also takes everything above ~120 s.
 * A percentile read from the bins is the bin's geometric middle, so it is within ±4% of the true
 * sample value (and it is clamped to the smallest and largest latency seen in the window).
 */
const BASE_MS = 0.05;
const GROWTH = 1.08;
const INV_LN_GROWTH = 1 / Math.log(GROWTH);
const MAX_MS = 120_000;

export const LATENCY_BINS = 2 + Math.ceil(Math.log(MAX_MS / BASE_MS) * INV_LN_GROWTH);

/** The bin of a latency in milliseconds. */
export function latencyBin(ms: number): number {
  if (!(ms >= BASE_MS)) return 0;
  const bin = 1 + Math.floor(Math.log(ms / BASE_MS) * INV_LN_GROWTH);
  return bin < LATENCY_BINS ? bin : LATENCY_BINS - 1;
}

/** The value reported for a bin: its geometric middle. */
export function binValue(bin: number): number {
  if (bin <= 0) return BASE_MS / 2;
  return BASE_MS * GROWTH ** (bin - 0.5);
}

/**
 * The `p` quantile (0 < p <= 1) of the samples counted in `bins` (`count` in all), by the
 * nearest-rank method, clamped to [min, max].
 */
export function quantile(bins: Uint32Array, count: number, p: number, min: number, max: number): number | null {
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(p * count));
  let seen = 0;
  for (let bin = 0; bin < bins.length; bin++) {
    seen += bins[bin] as number;
    if (seen >= rank) return Math.min(max, Math.max(min, binValue(bin)));
  }
  return max;
}
