/**
 * Type-checks many generated pipelines in one TypeScript program (one per file would take minutes):
 * the same settings as `pipec build` (typecheck-settings.ts: strict, "pipec" mapped to the DSL).
 * Returns the error messages per file; a file without errors is absent.
 */
import { Project, ts } from "ts-morph";
import { typecheckSettings } from "../../../compiler/typescript/typecheck-settings.ts";

export function typecheckMany(files: readonly string[]): Map<string, string[]> {
  const settings = typecheckSettings();
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      lib: [...settings.lib],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      types: [...settings.types],
      typeRoots: [...settings.typeRoots],
      paths: Object.fromEntries(Object.entries(settings.paths).map(([k, v]) => [k, [...v]])),
    },
  });
  for (const file of files) project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const wanted = new Set(files);
  const out = new Map<string, string[]>();
  for (const d of project.getPreEmitDiagnostics()) {
    const file = d.getSourceFile()?.getFilePath();
    if (!file || !wanted.has(file)) continue;
    const line = d.getLineNumber();
    out.set(file, [...(out.get(file) ?? []), `${line}: TS${d.getCode()} ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ")}`]);
  }
  return out;
}
