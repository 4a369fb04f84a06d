/** Cumulative counters of every version slot at one moment. */
export interface CounterSample {
  readonly at: number;
  readonly responses: readonly number[];
  readonly errors: readonly number[];
}

/**
 * HAProxy's counters only grow, so a window is "now minus a sample taken `windowMs` ago". This is
 * a bounded ring of samples (one per `sampleMs`, `maxWindowMs` deep) starting with all zeros at
 * HAProxy's start. A window's start is the newest sample at or before `now - windowMs`, so it
 * reaches back at most one sample period (1 s) further than asked; counts inside are exact.
 */
export class CounterHistory {
  private readonly samples: CounterSample[] = [];
  private readonly capacity: number;

  constructor(
    slots: number,
    startedAt: number,
    readonly sampleMs: number,
    maxWindowMs: number,
  ) {
    this.capacity = Math.ceil(maxWindowMs / sampleMs) + 2;
    const zeros = new Array<number>(slots).fill(0);
    this.samples.push({ at: startedAt, responses: zeros, errors: zeros });
  }

  add(sample: CounterSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  /** The sample a window ending now starts from (the oldest one kept when the window is longer). */
  baseline(windowStart: number): CounterSample {
    let chosen = this.samples[0] as CounterSample;
    for (const sample of this.samples) {
      if (sample.at > windowStart) break;
      chosen = sample;
    }
    return chosen;
  }
}
