/**
 * Bundles a pipeline file in memory with esbuild (the only esbuild user). `import "pipec"` resolves to
 * pipec's own DSL. Returns the code, its source map and the input files (for the type-check cache key).
 */
import { build, type Message } from "esbuild";
import { dirname, basename, resolve } from "node:path";
import { error, type Diagnostic } from "../diagnostic.ts";
import { displayPath } from "./display-path.ts";
import { dslEntry } from "./dsl-entry.ts";

export interface Bundle {
  readonly code: string;
  readonly map: string;
  /** Absolute paths of the files the bundle was built from, the DSL excluded. */
  readonly inputs: readonly string[];
}

export const BUNDLE_NAME = "__pipec_bundle.mjs";

export async function bundlePipeline(file: string): Promise<{ bundle: Bundle | null; diagnostics: Diagnostic[] }> {
  const absolute = resolve(file);
  const root = dirname(absolute);
  try {
    const result = await build({
      entryPoints: [absolute],
      absWorkingDir: root,
      outfile: resolve(root, BUNDLE_NAME),
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "external",
      sourcesContent: false,
      alias: { pipec: dslEntry() },
      logLevel: "silent",
    });
    const js = result.outputFiles.find((f) => f.path.endsWith(".mjs"));
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
    const dsl = dirname(dslEntry());
    const inputs = Object.keys(result.metafile.inputs)
      .map((input) => resolve(root, input))
      .filter((input) => !input.startsWith(dsl + "/"));
    return { bundle: { code: js?.text ?? "", map: map?.text ?? "{}", inputs }, diagnostics: [] };
  } catch (cause) {
    const messages = (cause as { errors?: Message[] }).errors;
    if (!messages) throw cause;
    const diagnostics = messages.map((m) => toDiagnostic(m, root, basename(absolute)));
    // A tsconfig.json esbuild cannot read is the cause: what it fails to resolve after it (paths) is not.
    const config = diagnostics.filter((d) => d.code === "tsconfig-invalid");
    return { bundle: null, diagnostics: config.length > 0 ? config : diagnostics };
  }
}

function toDiagnostic(message: Message, root: string, entry: string): Diagnostic {
  const where = message.location;
  const location = where
    ? { file: displayPath(resolve(root, where.file), root), line: where.line, column: where.column + 1 }
    : { file: entry, line: 1, column: 1 };
  if (where && /(^|\/)tsconfig[^/]*\.json$/.test(where.file)) {
    return error("tsconfig-invalid", `${location.file} cannot be used to type-check the pipeline: ${message.text}`, location, "fix the tsconfig.json (pipec reads it as TypeScript and esbuild do)");
  }
  const unresolved = /Could not resolve "([^"]+)"/.exec(message.text);
  const hint = unresolved ? `install "${unresolved[1]}" next to the pipeline (npm install ${unresolved[1]}), or fix the import path` : undefined;
  return error("load-failed", message.text, location, hint);
}
