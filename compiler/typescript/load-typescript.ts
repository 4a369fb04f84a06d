/**
 * The TypeScript front end: bundle (esbuild), evaluate and lower in a thread of its own (evaluate.ts),
 * rebuild the draft here. A pipeline that fails to bundle, throws, exits, never finishes loading or
 * exports no pipeline becomes a diagnostic at the author's line.
 */
import { basename, dirname, resolve } from "node:path";
import type { Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { bundlePipeline, type Bundle } from "./bundle.ts";
import { dslDir } from "./dsl-entry.ts";
import { startLoader } from "./evaluate.ts";
import { draftOf } from "./lower.ts";

export interface TypeScriptLoad {
  readonly draft: Draft | null;
  readonly bundle: Bundle | null;
  readonly diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** How long the pipeline's top-level code may run. @default 30000 */
  readonly timeoutMs?: number;
  /** Ends the loading (a load-failed diagnostic) when aborted. */
  readonly signal?: AbortSignal;
}

export async function loadTypeScriptPipeline(file: string, options: LoadOptions = {}): Promise<TypeScriptLoad> {
  const root = dirname(resolve(file));
  const entry = basename(file);
  const starting = startLoader();
  const { bundle, diagnostics } = await bundlePipeline(file).catch(async (cause: unknown) => {
    await (await starting).cancel();
    throw cause;
  });
  const loader = await starting;
  if (!bundle) {
    await loader.cancel();
    return { draft: null, bundle, diagnostics };
  }

  const outcome = await loader.evaluate(bundle, { root, entry, dslDir: dslDir(), timeoutMs: options.timeoutMs, signal: options.signal });
  if (outcome.kind === "internal") throw Object.assign(new Error(outcome.message), { stack: `Error: ${outcome.message}\n${outcome.stack}` });
  if (outcome.kind === "failed") return { draft: null, bundle, diagnostics: outcome.diagnostics };
  const draft = draftOf(outcome.lowered, root);
  return { draft, bundle, diagnostics: [...outcome.warnings, ...outcome.lowered.diagnostics] };
}
