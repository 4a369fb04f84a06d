/**
 * Builds a generated pipeline the way `pipec build` does (lower, then validate), but in this process:
 * `compileFile` evaluates each file in a worker thread of its own, seconds per file on a loaded
 * machine, too slow for hundreds of corpus files. The corpus test also runs a few through `compileFile`.
 */
import { basename, dirname } from "node:path";
import type { Diagnostic } from "../../../compiler/diagnostic.ts";
import { exportedPipeline } from "../../../compiler/typescript/exported-pipeline.ts";
import { draftOf, lowerToData } from "../../../compiler/typescript/lower.ts";
import { validateDraft } from "../../../compiler/validate/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";

export async function buildInProcess(file: string): Promise<{ plan: Plan | null; errors: Diagnostic[] }> {
  const root = dirname(file);
  const entry = basename(file);
  const exports = (await import(file)) as Record<string, unknown>;
  const found = exportedPipeline(exports, entry);
  if ("diagnostic" in found) return { plan: null, errors: [found.diagnostic] };
  const lowered = lowerToData(found.pipeline, { locate: () => null }, entry, root);
  const validated = validateDraft(draftOf(lowered, root));
  const errors = [...lowered.diagnostics, ...validated.diagnostics].filter((d) => d.severity === "error");
  return { plan: errors.length === 0 ? validated.plan : null, errors };
}
