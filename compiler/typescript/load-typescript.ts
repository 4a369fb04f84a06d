/**
 * The TypeScript front end: bundle (esbuild), evaluate, find the exported pipeline, lower it to a draft.
 * A pipeline that fails to bundle, throws, or exports no pipeline becomes a diagnostic at the author's line.
 */
import { basename, dirname, resolve } from "node:path";
import { PIPELINE, hasBrand } from "../../dsl/brand.ts";
import type { Pipeline } from "../../dsl/pipeline.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { bundlePipeline, type Bundle } from "./bundle.ts";
import { createCallSiteMapper } from "./call-sites.ts";
import { dslDir } from "./dsl-entry.ts";
import { evaluateBundle } from "./evaluate.ts";
import { lowerPipeline } from "./lower.ts";

export interface TypeScriptLoad {
  readonly draft: Draft | null;
  readonly bundle: Bundle | null;
  readonly diagnostics: Diagnostic[];
}

export async function loadTypeScriptPipeline(file: string): Promise<TypeScriptLoad> {
  const root = dirname(resolve(file));
  const entry = basename(file);
  const { bundle, diagnostics } = await bundlePipeline(file);
  if (!bundle) return { draft: null, bundle, diagnostics };

  const evaluated = await evaluateBundle(bundle.code);
  const sites = createCallSiteMapper({ map: bundle.map, bundleFile: evaluated.bundleFile, root, dslDir: dslDir() });
  if (evaluated.thrown !== undefined) {
    const thrown = evaluated.thrown as { stack?: unknown; message?: unknown };
    const frames = typeof thrown?.stack === "string" ? thrown.stack.split("\n").slice(1).map((l) => l.trim()) : [];
    const message = typeof thrown?.message === "string" ? thrown.message : String(thrown);
    const where = sites.locate(frames) ?? { file: entry, line: 1, column: 1 };
    return { draft: null, bundle, diagnostics: [error("load-failed", `the pipeline file threw while loading: ${message}`, where, "fix the code at this line; a pipeline file should only build the pipeline")] };
  }

  const pipeline = findPipeline(evaluated.exports ?? {});
  if (!pipeline) {
    const hint = `end the file with: export default pipeline("name", { jobs: [ ... ] })`;
    return { draft: null, bundle, diagnostics: [error("no-pipeline", `${entry} exports no pipeline`, { file: entry, line: 1, column: 1 }, hint)] };
  }
  const lowered = lowerPipeline(pipeline, sites, entry, root);
  return { draft: lowered.draft, bundle, diagnostics: lowered.diagnostics };
}

/** The default export if it is a pipeline, else the only exported pipeline. */
function findPipeline(exports: Record<string, unknown>): Pipeline | null {
  if (hasBrand(exports.default, PIPELINE)) return exports.default as Pipeline;
  const pipelines = Object.values(exports).filter((value) => hasBrand(value, PIPELINE));
  return pipelines.length === 1 ? (pipelines[0] as Pipeline) : null;
}
