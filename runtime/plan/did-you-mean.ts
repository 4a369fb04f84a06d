/**
 * "Did you mean" suggestions for unknown names (jobs, functions, contexts, variables).
 * Shared by the compiler's validation passes and the expression checker.
 */

/**
 * The closest candidate to `name`, or undefined when none is close enough.
 * Distance is Damerau-Levenshtein (optimal string alignment) on lower-cased text, so a case slip
 * (`startswith`) or a swapped pair (`biuld`) is always found. A candidate qualifies when its distance is
 * at most max(2, floor(name.length / 3)) and shorter than the longer of the two names (so `a` never
 * suggests `b`). Ties go to the candidate listed first.
 */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === "") continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance > limit || distance >= Math.max(name.length, candidate.length)) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}
