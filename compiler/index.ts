/** The compiler: pipeline files to canonical plans, with diagnostics that point at the author's line. */
export { compileFile, type CompileOptions, type CompileResult } from "./compile.ts";
export { emitPlan, type PlanFormat } from "./emit.ts";
export { renderDiagnostic, renderDiagnostics, codeFrame, type RenderOptions } from "./render-diagnostics.ts";
export { renderGraph, type GraphFormat } from "./render-graph.ts";
export { jsonSchema, type SchemaKind } from "./json-schema.ts";
export { hasErrors, type Diagnostic, type DiagnosticCode, DIAGNOSTIC_CODES } from "./diagnostic.ts";
