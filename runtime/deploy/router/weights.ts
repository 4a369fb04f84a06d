import { InvalidWeightsError } from "./errors.ts";

/** How far from 100 the sum of the percentages may be (floating point sums of decimals). */
const SUM_TOLERANCE = 1e-6;

/**
 * Checks `setWeights` input: every value finite and in 0..100, summing to 100, at least one
 * version. Returns the entries in input order. Shared by both routers so they reject the same inputs.
 */
export function validateWeights(weights: Readonly<Record<string, number>>): Array<[string, number]> {
  const entries = Object.entries(weights);
  if (entries.length === 0) throw new InvalidWeightsError(weights, "name at least one version");
  let sum = 0;
  for (const [version, weight] of entries) {
    if (version === "") throw new InvalidWeightsError(weights, "a version name is empty");
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0 || weight > 100) {
      throw new InvalidWeightsError(weights, `the weight of "${version}" must be a number from 0 to 100`);
    }
    sum += weight;
  }
  if (Math.abs(sum - 100) > SUM_TOLERANCE) {
    throw new InvalidWeightsError(weights, `the weights sum to ${sum}, not 100`);
  }
  return entries;
}
