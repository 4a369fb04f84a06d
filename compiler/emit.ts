/** Canonical text of a plan: JSON (2-space, sorted keys) or YAML (block scalars for scripts, no line folding). */
import { stringify } from "yaml";
import type { Plan } from "../runtime/plan/schema.ts";
import { sortKeys } from "./canonical.ts";

export type PlanFormat = "yaml" | "json";

export function emitPlan(plan: Plan, format: PlanFormat): string {
  const sorted = sortKeys(plan);
  if (format === "json") return `${JSON.stringify(sorted, null, 2)}\n`;
  return stringify(sorted, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false, indentSeq: true });
}
