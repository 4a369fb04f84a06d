/** Makes diagnostics, without loading zod (diagnostic.ts has the schema): the loading thread starts fast. */
import type { SourceLocation } from "../runtime/plan/schema.ts";
import type { Diagnostic, DiagnosticCode } from "./diagnostic.ts";

export function error(code: DiagnosticCode, message: string, location: SourceLocation | null, hint?: string): Diagnostic {
  return hint === undefined ? { code, severity: "error", message, location } : { code, severity: "error", message, location, hint };
}

export function warning(code: DiagnosticCode, message: string, location: SourceLocation | null, hint?: string): Diagnostic {
  return { ...error(code, message, location, hint), severity: "warning" };
}
