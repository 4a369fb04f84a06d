import type { ImportDiagnostics } from "../diagnostics.ts";
import type { ImportedPipeline } from "../model.ts";

export function importGithub(file: string, _text: string, diagnostics: ImportDiagnostics): ImportedPipeline | null {
  diagnostics.fail("schema", { file, line: 1 }, "GitHub import is not built yet");
  return null;
}
