/** Canonical text of a plan: JSON (2-space, sorted keys) or YAML (block scalars for scripts, no line folding). */
import { createRequire } from "node:module";
import type { Plan } from "../runtime/plan/schema.ts";
import { hasSortedKeys, sortKeys } from "./canonical.ts";

export type PlanFormat = "yaml" | "json";

export function emitPlan(plan: Plan, format: PlanFormat): string {
  // A canonical plan comes sorted from `canonicalize`; only other plans need the sorted copy.
  const sorted = hasSortedKeys(plan) ? plan : sortKeys(plan);
  if (format === "json") return `${JSON.stringify(sorted, null, 2)}\n`;
  return loadYaml().stringify(sorted, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false, indentSeq: true });
}

/** `yaml` is loaded on first YAML output only: a JSON build of a TypeScript pipeline never needs it. */
let yaml: typeof import("yaml") | undefined;
function loadYaml(): typeof import("yaml") {
  yaml ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yaml;
}
