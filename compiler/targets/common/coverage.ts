/** Shorthands for feature registries: how a plan field reaches a target, and a note saying how. */
import type { FeatureSupport } from "../types.ts";

export const exact = (note: string): FeatureSupport => ({ coverage: "exact", note });
export const lowered = (note: string): FeatureSupport => ({ coverage: "lowered", note });
export const approx = (note: string): FeatureSupport => ({ coverage: "approximated", note });
export const refused = (note: string): FeatureSupport => ({ coverage: "refused", note });
