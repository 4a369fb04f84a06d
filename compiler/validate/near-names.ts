/**
 * "Did you mean" over many names, in time that stays near-linear when a file has thousands of unknown
 * names (issue 16: 10,000 mistakes in one file). Only names whose length is within `didYouMean`'s
 * distance limit can qualify, so each lookup compares against those alone (same answer, same tie-break:
 * the name listed first); and past a total budget of comparisons the suggestions stop, the messages not.
 */
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";

/** Comparisons (each one edit distance of two short names) a whole build spends on suggestions. */
const BUDGET = 200_000;

export interface NameSuggester {
  (name: string): string | undefined;
}

export function nameSuggester(names: readonly string[]): NameSuggester {
  const byLength = new Map<number, number[]>();
  names.forEach((name, index) => {
    const bucket = byLength.get(name.length);
    if (bucket) bucket.push(index);
    else byLength.set(name.length, [index]);
  });
  let spent = 0;
  return (name) => {
    const limit = Math.max(2, Math.floor(name.length / 3));
    const indices: number[] = [];
    for (let length = Math.max(1, name.length - limit); length <= name.length + limit; length++) indices.push(...(byLength.get(length) ?? []));
    spent += indices.length;
    if (spent > BUDGET) return undefined;
    indices.sort((a, b) => a - b);
    return didYouMean(name, indices.map((index) => names[index]!));
  };
}
