/**
 * Compiler problems are data: every pass returns Diagnostics, and the build fails once, at the end,
 * with all of them. Rendering is separate (`render-diagnostics.ts`).
 */
import { z } from "zod";
import { SourceLocationSchema, type SourceLocation } from "../runtime/plan/schema.ts";

/** Stable codes: tests, docs and `--json` consumers rely on them. Add, never rename. */
export const DIAGNOSTIC_CODES = [
  "yaml-syntax",
  "yaml-duplicate-key",
  "schema",
  "unknown-field",
  "typescript",
  "load-failed",
  "no-pipeline",
  "unknown-need",
  "cycle",
  "duplicate-name",
  "unknown-output",
  "unknown-input-job",
  "input-not-needed",
  "invalid-expression",
  "unknown-variable",
  "variable-cycle",
  "out-of-range",
  "invalid-image",
  "unsafe-path",
  "missing-image",
  "invalid-deployment",
  "invalid-matrix",
  "secret-in-plan",
  "expression-in-script",
  "tsconfig-invalid",
  "target-unsupported",
  "target-approximation",
  "target-name-collision",
  "several-pipelines",
  "env-at-load",
  "plan-edited",
  "unknown-metric",
  "invalid-cron",
  "invalid-webhook",
] as const;

export const DiagnosticSchema = z.object({
  code: z.enum(DIAGNOSTIC_CODES),
  severity: z.enum(["error", "warning"]),
  message: z.string(),
  location: SourceLocationSchema.nullable(),
  hint: z.string().optional(),
});

export type Diagnostic = z.output<typeof DiagnosticSchema>;
export type DiagnosticCode = Diagnostic["code"];

// Made in a module of their own, without zod: the thread a pipeline loads in makes diagnostics too.
export { error, warning } from "./make-diagnostic.ts";

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Sorts by file, line, column, then code, so output is stable across runs. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  // No key tuples: a build with 10,000 diagnostics compares them some 140,000 times.
  return [...diagnostics].sort((a, b) => {
    const fa = a.location?.file ?? "";
    const fb = b.location?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const order = (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0);
    return order || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  });
}

/** Drops repeats: the same code and message at the same place (a matrix job reports its problems once per expansion). */
export function dedupeDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.code, d.message, d.location]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * When pipec and the TypeScript checker report an error at the same file, line and column, pipec's is
 * kept: it speaks the pipeline's terms and says what to write instead (`timeout: "10 parsecs" is not
 * a duration; write ... "90s"`, not `Type '"10 parsecs"' is not assignable to type 'Duration'`), and
 * it is the one a build with --no-typecheck shows too. The one exception: pipec's "got undefined" yields
 * to the checker's error on the same line, which names what was misspelled.
 */
export function preferPipecAtSameSpot(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const spot = (d: Diagnostic) => (d.location ? `${d.location.file}\u0000${d.location.line}\u0000${d.location.column}` : null);
  const line = (d: Diagnostic) => (d.location ? `${d.location.file}\u0000${d.location.line}` : null);
  const pipecErrors = new Set(diagnostics.filter((d) => d.code !== "typescript" && d.severity === "error").map(spot));
  const checkerLines = new Set(diagnostics.filter((d) => d.code === "typescript" && d.severity === "error").map(line));
  return diagnostics.filter((d) => {
    if (d.severity !== "error" || d.location === null) return true;
    if (d.code === "typescript") return !pipecErrors.has(spot(d));
    // A value that is undefined when the pipeline runs is, in a typed pipeline, a name the checker
    // rejected on that line (build.outputs.dsit): its message names the property and the type that
    // lacks it; pipec's "got undefined" says less, so it yields.
    return !(d.message.endsWith("got undefined") && checkerLines.has(line(d)));
  });
}
