/**
 * A guard's answer: whether the work a benchmark timed was really done. A figure counts only when its
 * guard says valid; otherwise it prints as INVALID with the reason, and its section fails. Pure.
 */
export type Verdict = { readonly valid: true } | { readonly valid: false; readonly reason: string };

export const VALID: Verdict = { valid: true };

export const invalid = (reason: string): Verdict => ({ valid: false, reason });

/** The text printed in place of a figure whose guard failed. */
export const invalidText = (reason: string): string => `INVALID: ${reason}`;

/**
 * One verdict for a figure made of several measured runs: valid when every run is, else the first
 * failure, saying which run (`run 2 of 3: ...`). No runs is invalid: nothing was measured.
 */
export function everyRun<T>(runs: readonly T[], guard: (run: T) => Verdict): Verdict {
  if (runs.length === 0) return invalid("no run was measured");
  for (const [i, run] of runs.entries()) {
    const verdict = guard(run);
    if (!verdict.valid) return runs.length === 1 ? verdict : invalid(`run ${i + 1} of ${runs.length}: ${verdict.reason}`);
  }
  return VALID;
}

/** `a, b, c and 4 more`: a few names for a reason line. */
export function someNames(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
