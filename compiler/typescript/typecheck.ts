/**
 * Type-checks a pipeline file with ts-morph (the only ts-morph user). Errors in pipec's own DSL files
 * are not the author's and are not shown; every diagnostic is at the author's file, line and column.
 */
import type { Diagnostic as TsDiagnostic } from "ts-morph";
import { dirname, join, resolve } from "node:path";
import { error, type Diagnostic } from "../diagnostic.ts";
import { displayPath } from "./display-path.ts";
import { dslDir } from "./dsl-entry.ts";
import { typecheckSettings } from "./typecheck-settings.ts";

/** Loaded on first use: the TypeScript compiler is only needed when the cache misses. */
type TsMorph = typeof import("ts-morph");

export async function typecheckPipeline(file: string): Promise<Diagnostic[]> {
  const { Project, ts } = (await import("ts-morph")) as TsMorph;
  const absolute = resolve(file);
  const root = dirname(absolute);
  const settings = typecheckSettings(root);
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      target: ts.ScriptTarget[settings.target],
      module: ts.ModuleKind[settings.module],
      moduleResolution: ts.ModuleResolutionKind[settings.moduleResolution],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      lib: [...settings.lib],
      types: [...settings.types],
      typeRoots: [...settings.typeRoots],
      paths: Object.fromEntries(Object.entries(settings.paths).map(([k, v]) => [k, [...v]])),
    },
  });
  project.addSourceFileAtPath(absolute);
  project.resolveSourceFileDependencies();
  const dsl = dslDir() + "/";
  return project
    .getPreEmitDiagnostics()
    .filter((d) => {
      const source = d.getSourceFile()?.getFilePath();
      return source === undefined || !source.startsWith(dsl);
    })
    .map((d) => toDiagnostic(d, root, ts));
}

function toDiagnostic(d: TsDiagnostic, root: string, ts: TsMorph["ts"]): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
  const source = d.getSourceFile();
  const start = d.getStart();
  if (!source || start === undefined) return error("typescript", `TS${d.getCode()}: ${message}`, null);
  const { line, column } = source.getLineAndColumnAtPos(start);
  return error("typescript", `TS${d.getCode()}: ${message}`, { file: displayPath(source.getFilePath(), root), line, column });
}
