/**
 * Type-checks a pipeline file with ts-morph (the only ts-morph user). Errors in pipec's own DSL files
 * are not the author's and are not shown; every diagnostic is at the author's file, line and column.
 *
 * The nearest tsconfig.json that includes the pipeline is honoured (`strict`, `paths`, `lib`, `types`,
 * ...), with pipec's settings on top (typecheck-settings.ts); a pipeline no tsconfig includes gets
 * `strict` and pipec's settings. The checker is pipec's own TypeScript, whatever the project has.
 */
import type { CompilerOptions, Diagnostic as TsDiagnostic } from "ts-morph";
import { dirname, resolve } from "node:path";
import { error, type Diagnostic } from "../diagnostic.ts";
import { displayPath } from "./display-path.ts";
import { dslDir } from "./dsl-entry.ts";
import { typecheckSettings } from "./typecheck-settings.ts";
import { nearestTsconfig } from "./user-tsconfig.ts";

/** Loaded on first use: the TypeScript compiler is only needed when the cache misses. */
type TsMorph = typeof import("ts-morph");
type Ts = TsMorph["ts"];

/** Options of a project's tsconfig that mean nothing, or harm, for checking one file without emitting. */
const DROPPED = ["composite", "incremental", "tsBuildInfoFile", "declaration", "declarationMap", "emitDeclarationOnly", "outDir", "outFile", "rootDir", "rootDirs", "sourceMap", "inlineSourceMap", "build", "noEmitOnError"] as const;

export async function typecheckPipeline(file: string): Promise<Diagnostic[]> {
  const { Project, ts } = (await import("ts-morph")) as TsMorph;
  const absolute = resolve(file);
  const root = dirname(absolute);
  const user = readUserOptions(ts, absolute, root);
  if ("diagnostic" in user) return [user.diagnostic];
  const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: compilerOptions(ts, user.options) });
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

/** The options of the nearest tsconfig.json when it includes the pipeline, else none. */
function readUserOptions(ts: Ts, absolute: string, root: string): { options: CompilerOptions } | { diagnostic: Diagnostic } {
  const configFile = nearestTsconfig(root);
  if (!configFile) return { options: {} };
  let unrecoverable: readonly TsDiagnostic["compilerObject"][] = [];
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d: TsDiagnostic["compilerObject"]) => (unrecoverable = [d]) };
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, undefined, host);
  // Syntax errors and broken `extends` make the config unusable; "no inputs found" and the like do not.
  const fatal = [...unrecoverable, ...(parsed?.errors ?? []).filter((d) => d.file !== undefined || d.code === 5083 || d.code === 6053)];
  if (!parsed || fatal.length > 0) {
    const d = fatal[0];
    const where = d?.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const message = d ? ts.flattenDiagnosticMessageText(d.messageText, " ") : "it cannot be read";
    const location = { file: displayPath(d?.file?.fileName ?? configFile, root), line: (where?.line ?? 0) + 1, column: (where?.character ?? 0) + 1 };
    return { diagnostic: error("tsconfig-invalid", `${displayPath(configFile, root)} cannot be used to type-check the pipeline: ${message}`, location, "fix the tsconfig.json (pipec reads it as TypeScript and esbuild do)") };
  }
  const included = parsed.fileNames.some((name) => resolve(name) === absolute);
  return { options: included ? parsed.options : {} };
}

function compilerOptions(ts: Ts, user: CompilerOptions): CompilerOptions {
  const settings = typecheckSettings();
  const options: CompilerOptions = { strict: true, lib: [...settings.lib], ...user };
  for (const name of DROPPED) delete options[name];
  const userTarget = user.target ?? ts.ScriptTarget.ES2022;
  return {
    ...options,
    target: Math.max(userTarget, ts.ScriptTarget[settings.target]),
    module: ts.ModuleKind[settings.module],
    moduleResolution: ts.ModuleResolutionKind[settings.moduleResolution],
    noEmit: true,
    skipLibCheck: true,
    // The project's tsconfig was written for its own TypeScript: an option pipec's newer checker
    // deprecates (baseUrl in 6.0) still means what it meant there, and is no error of the pipeline's.
    ignoreDeprecations: deprecationsOf(ts),
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    types: [...new Set([...settings.types, ...(user.types ?? [])])],
    typeRoots: [...(user.typeRoots ?? []), ...settings.typeRoots],
    paths: { ...user.paths, ...Object.fromEntries(Object.entries(settings.paths).map(([k, v]) => [k, [...v]])) },
  };
}

/** The value `ignoreDeprecations` takes in this checker: its own major version ("6.0"), "5.0" before 6. */
function deprecationsOf(ts: Ts): string {
  const major = Number.parseInt(ts.versionMajorMinor, 10);
  return major >= 6 ? `${major}.0` : "5.0";
}

function toDiagnostic(d: TsDiagnostic, root: string, ts: Ts): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
  const source = d.getSourceFile();
  const start = d.getStart();
  if (!source || start === undefined) return error("typescript", `TS${d.getCode()}: ${message}`, null);
  const { line, column } = source.getLineAndColumnAtPos(start);
  return error("typescript", `TS${d.getCode()}: ${message}`, { file: displayPath(source.getFilePath(), root), line, column });
}
