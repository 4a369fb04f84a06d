/** `reports` and `gates` as authors write them (TypeScript and YAML alike) to their plan form. */
import type { JobInput } from "../runtime/plan/schema.ts";

type ReportsIn = { readonly junit?: string | readonly string[]; readonly coverage?: string | readonly string[] };
type GateIn = { readonly metric: string; readonly min?: number; readonly max?: number; readonly file?: string };

const list = (value: string | readonly string[] | undefined): string[] => (value === undefined ? [] : typeof value === "string" ? [value] : [...value]);

export function planReports(reports: ReportsIn | undefined): JobInput["reports"] {
  if (reports === undefined || reports === null || typeof reports !== "object") return reports as undefined;
  return { junit: list(reports.junit), coverage: list(reports.coverage) };
}

export function planGates(gates: readonly GateIn[] | undefined): JobInput["gates"] {
  if (!Array.isArray(gates)) return gates as undefined;
  return gates.map((gate: GateIn) =>
    gate === null || typeof gate !== "object" ? gate : { metric: gate.metric, min: gate.min ?? null, max: gate.max ?? null, file: gate.file ?? null },
  ) as JobInput["gates"];
}
