/** `pipec validate FILE`, `pipec graph FILE`, `pipec schema`: read-only views of a pipeline. */
import { compileFile, jsonSchema, renderGraph, type GraphFormat, type SchemaKind } from "../../compiler/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { printDiagnostics } from "../print-diagnostics.ts";
import { findPipelineOrSay } from "../project.ts";

export async function validateCommand(given: string | undefined, flags: { typecheck: boolean; json?: boolean }, terminal: Terminal): Promise<number> {
  const project = findPipelineOrSay("validate", given, terminal.err);
  if (!project) return EXIT.invalidInput;
  const { file } = project;
  const result = await compileFile(file, { typecheck: flags.typecheck, cacheDir: project.cacheDir });
  if (flags.json) {
    terminal.out(`${JSON.stringify({ ok: result.plan !== null, diagnostics: result.diagnostics }, null, 2)}\n`);
  } else {
    printDiagnostics(terminal, result.diagnostics, file);
    if (result.plan) terminal.err(`${file} is valid: ${Object.keys(result.plan.jobs).length} jobs\n`);
  }
  return result.plan ? EXIT.ok : EXIT.invalidInput;
}

export async function graphCommand(given: string | undefined, flags: { format: GraphFormat; typecheck: boolean }, terminal: Terminal): Promise<number> {
  const project = findPipelineOrSay("graph", given, terminal.err);
  if (!project) return EXIT.invalidInput;
  const { file } = project;
  const result = await compileFile(file, { typecheck: flags.typecheck, cacheDir: project.cacheDir });
  printDiagnostics(terminal, result.diagnostics, file);
  if (!result.plan) return EXIT.invalidInput;
  terminal.out(renderGraph(result.plan, flags.format));
  return EXIT.ok;
}

export function schemaCommand(flags: { kind: SchemaKind }, terminal: Terminal): number {
  terminal.out(`${JSON.stringify(jsonSchema(flags.kind), null, 2)}\n`);
  return EXIT.ok;
}
