/**
 * A guard's answer: whether the work a benchmark timed was really done. A figure counts only when its
 * guard says valid; otherwise it prints as INVALID with the reason, and its section fails. Pure.
 */
export type Verdict = { readonly valid: true } | { readonly valid: false; readonly reason: string };

export const VALID: Verdict = { valid: true };

export const invalid = (reason: string): Verdict => ({ valid: false, reason });

/** The text printed in place of a figure whose guard failed. */
export const invalidText = (reason: string): string => `INVALID: ${reason}`;

/** `a, b, c and 4 more`: a few names for a reason line. */
export function someNames(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
