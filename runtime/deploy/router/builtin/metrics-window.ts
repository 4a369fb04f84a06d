import type { VersionMetrics } from "../../types.ts";
import { LATENCY_BINS, latencyBin, quantile } from "./latency-histogram.ts";

export interface MetricsWindowOptions {
  /** Width of one time bucket. @default 1000 */
  readonly bucketMs?: number;
  /** Longest window `snapshot` can answer; longer ones are cut to it. @default 600000 (10 min) */
  readonly maxWindowMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  readonly now?: () => number;
}

/**
 * Per-version request counters over a sliding window, in bounded memory: a ring of time buckets
 * (maxWindowMs / bucketMs + 1 of them), each with counts, a latency sum, min, max and a fixed-size
 * latency histogram (allocated the first time the bucket is used, then reused).
 *
 * Accuracy: a window of W ms covers the buckets that overlap [now - W, now], so it may include up
 * to one bucket (1 s) of older requests; counts are exact within that; percentiles are within ±4%
 * (see latency-histogram.ts); the average is exact.
 */
export class MetricsWindow {
  private readonly bucketMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly index: Float64Array;
  private readonly requests: Uint32Array;
  private readonly errors: Uint32Array;
  private readonly latencySum: Float64Array;
  private readonly latencyMin: Float64Array;
  private readonly latencyMax: Float64Array;
  private readonly bins: Array<Uint32Array | undefined>;
  private readonly merged = new Uint32Array(LATENCY_BINS);

  constructor(options: MetricsWindowOptions = {}) {
    this.bucketMs = options.bucketMs ?? 1000;
    this.capacity = Math.ceil((options.maxWindowMs ?? 600_000) / this.bucketMs) + 1;
    this.now = options.now ?? (() => performance.now());
    // NaN equals no bucket number, negative ones included (a clock near 0 minus a window).
    this.index = new Float64Array(this.capacity).fill(Number.NaN);
    this.requests = new Uint32Array(this.capacity);
    this.errors = new Uint32Array(this.capacity);
    this.latencySum = new Float64Array(this.capacity);
    this.latencyMin = new Float64Array(this.capacity);
    this.latencyMax = new Float64Array(this.capacity);
    this.bins = new Array<Uint32Array | undefined>(this.capacity).fill(undefined);
  }

  /** Counts one finished request, `latencyMs` long, at time `at` (the clock's now by default). */
  record(latencyMs: number, error: boolean, at: number = this.now()): void {
    const bucket = Math.floor(at / this.bucketMs);
    const slot = bucket % this.capacity;
    let bins = this.bins[slot];
    if (this.index[slot] !== bucket) {
      this.index[slot] = bucket;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
      this.latencySum[slot] = 0;
      this.latencyMin[slot] = Infinity;
      this.latencyMax[slot] = 0;
      if (bins) bins.fill(0);
    }
    if (!bins) {
      bins = new Uint32Array(LATENCY_BINS);
      this.bins[slot] = bins;
    }
    this.requests[slot] = (this.requests[slot] as number) + 1;
    if (error) this.errors[slot] = (this.errors[slot] as number) + 1;
    this.latencySum[slot] = (this.latencySum[slot] as number) + latencyMs;
    if (latencyMs < (this.latencyMin[slot] as number)) this.latencyMin[slot] = latencyMs;
    if (latencyMs > (this.latencyMax[slot] as number)) this.latencyMax[slot] = latencyMs;
    const bin = latencyBin(latencyMs);
    bins[bin] = (bins[bin] as number) + 1;
  }

  /** The requests that finished in the last `windowMs` (cut to maxWindowMs). */
  snapshot(windowMs: number): VersionMetrics {
    const now = this.now();
    const last = Math.floor(now / this.bucketMs);
    const first = Math.floor((now - Math.max(0, windowMs)) / this.bucketMs);
    const span = Math.min(this.capacity - 1, last - first);
    const merged = this.merged;
    merged.fill(0);
    let requests = 0;
    let errors = 0;
    let latencySum = 0;
    let min = Infinity;
    let max = 0;
    for (let bucket = last - span; bucket <= last; bucket++) {
      const slot = ((bucket % this.capacity) + this.capacity) % this.capacity;
      if (this.index[slot] !== bucket) continue;
      requests += this.requests[slot] as number;
      errors += this.errors[slot] as number;
      latencySum += this.latencySum[slot] as number;
      min = Math.min(min, this.latencyMin[slot] as number);
      max = Math.max(max, this.latencyMax[slot] as number);
      const bins = this.bins[slot] as Uint32Array;
      for (let bin = 0; bin < LATENCY_BINS; bin++) merged[bin] = (merged[bin] as number) + (bins[bin] as number);
    }
    return summarize(requests, errors, latencySum, merged, min, max);
  }
}

function summarize(
  requests: number,
  errors: number,
  latencySum: number,
  bins: Uint32Array,
  min: number,
  max: number,
): VersionMetrics {
  const none = requests === 0;
  return {
    requests,
    errors,
    errorRate: none ? null : errors / requests,
    successRate: none ? null : (requests - errors) / requests,
    latencyAvgMs: none ? null : latencySum / requests,
    latencyP50Ms: quantile(bins, requests, 0.5, min, max),
    latencyP95Ms: quantile(bins, requests, 0.95, min, max),
    latencyP99Ms: quantile(bins, requests, 0.99, min, max),
  };
}
