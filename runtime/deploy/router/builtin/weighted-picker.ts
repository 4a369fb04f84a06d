/**
 * Smooth weighted round robin (the algorithm of nginx's upstream module): on each pick every
 * entry's `current` grows by its weight, the largest wins and loses the total. The sequence is
 * deterministic and evenly interleaved: with integer weights, every cycle of `total` picks gives
 * each entry exactly its weight, and inside a cycle the counts stay within a pick or two of
 * N × weight / total, so the split matches the weights even for small N (90/10 over 400 requests
 * gives exactly 360/40; 2 versions never drift by more than 1). Entries with weight 0 are never picked.
 */
export class WeightedPicker<T> {
  private items: T[] = [];
  private weights: number[] = [];
  private current: number[] = [];
  private total = 0;

  /** Replaces the entries and restarts the sequence. */
  set(entries: ReadonlyArray<readonly [T, number]>): void {
    const positive = entries.filter(([, weight]) => weight > 0);
    this.items = positive.map(([item]) => item);
    this.weights = positive.map(([, weight]) => weight);
    this.current = positive.map(() => 0);
    this.total = this.weights.reduce((sum, weight) => sum + weight, 0);
  }

  /** The next entry, or undefined when no entry has a weight above 0. Allocates nothing. */
  next(): T | undefined {
    const count = this.items.length;
    if (count === 1) return this.items[0];
    let best = -1;
    let bestCurrent = -Infinity;
    for (let i = 0; i < count; i++) {
      const value = (this.current[i] as number) + (this.weights[i] as number);
      this.current[i] = value;
      if (value > bestCurrent) {
        bestCurrent = value;
        best = i;
      }
    }
    if (best < 0) return undefined;
    this.current[best] = bestCurrent - this.total;
    return this.items[best];
  }
}
