/** Canonical text of a plan: JSON (2-space, sorted keys) or YAML (block scalars for scripts, no line folding). */
import { stringify } from "yaml";
import type { Plan } from "../runtime/plan/schema.ts";
import { hasSortedKeys, sortKeys } from "./canonical.ts";

export type PlanFormat = "yaml" | "json";

export function emitPlan(plan: Plan, format: PlanFormat): string {
  // A canonical plan comes sorted from `canonicalize`; only other plans need the sorted copy.
  const sorted = hasSortedKeys(plan) ? plan : sortKeys(plan);
  if (format === "json") return `${JSON.stringify(sorted, null, 2)}\n`;
  return stringify(sorted, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false, indentSeq: true });
}
