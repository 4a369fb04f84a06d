/**
 * The artifacts section's guard: did a timed store or restore move the whole data set? Files and bytes
 * counted after the operation (by the store's record, in the store's objects on disk, in the restored
 * tree on disk) against the data set's. A truncated object, a file left out or an empty restore makes
 * the figure INVALID. Pure; artifact-tally.ts does the counting.
 */
import { VALID, invalid, type Verdict } from "./verdict.ts";

export interface Tally {
  readonly files: number;
  readonly bytes: number;
}

const text = (tally: Tally): string => `${tally.files} files, ${tally.bytes} bytes`;

/** `where` says what was counted: "the store's record", "the restored tree on disk", … */
export function guardTally(where: string, expected: Tally, measured: Tally): Verdict {
  if (measured.files === expected.files && measured.bytes === expected.bytes) return VALID;
  return invalid(`${where} has ${text(measured)}; the data set has ${text(expected)}`);
}

/** Every count must match; the first that does not is the reason. */
export function guardTallies(expected: Tally, measured: readonly { readonly where: string; readonly tally: Tally }[]): Verdict {
  for (const { where, tally } of measured) {
    const verdict = guardTally(where, expected, tally);
    if (!verdict.valid) return verdict;
  }
  return VALID;
}
