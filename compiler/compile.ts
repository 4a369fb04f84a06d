/**
 * `compileFile`: pipeline file in, canonical plan or diagnostics out. TypeScript files are bundled,
 * evaluated and type-checked (cached by content); YAML files are parsed with positions; a plan file
 * (YAML or JSON) comes back as the same plan.
 *
 * Each front end is imported when a file needs it: a YAML build never loads esbuild, a TypeScript
 * build never loads the YAML parser, and importing the compiler costs almost nothing.
 */
import { basename, dirname, extname, resolve } from "node:path";
import type { Plan, PlanInput } from "../runtime/plan/schema.ts";
import { dedupeDiagnostics, error, hasErrors, preferPipecAtSameSpot, sortDiagnostics, warning, type Diagnostic } from "./diagnostic.ts";
import type { Draft } from "./draft.ts";
import { folderFailure, readPipelineText } from "./read-pipeline.ts";
import { validatedPlanMemo } from "./validated-plans.ts";
import { nestingPastLimit } from "./yaml/nesting-limit.ts";

export interface CompileOptions {
  /** Type-check TypeScript pipelines. @default true */
  readonly typecheck?: boolean;
  /** Where the type-check cache lives; null disables caching. The CLI passes `.pipec/cache` at the project root. @default ".pipec/cache" in the working directory */
  readonly cacheDir?: string | null;
  /** How long a TypeScript pipeline's top-level code may run while it loads. @default 30000 */
  readonly loadTimeoutMs?: number;
  /** Ends the loading of a TypeScript pipeline (with a load-failed diagnostic) when aborted. */
  readonly signal?: AbortSignal;
}

export interface CompileResult {
  /** The canonical plan, or null when there is any error. */
  readonly plan: Plan | null;
  /** Errors and warnings, sorted by location; locations are relative to the pipeline file's folder. */
  readonly diagnostics: Diagnostic[];
  /** Whether the type-check result came from the cache (TypeScript only). */
  readonly typecheckCached: boolean;
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".js", ".mjs"]);
const YAML = new Set([".yaml", ".yml", ".json"]);

export async function compileFile(file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const extension = extname(file);
  const display = basename(file);
  if (TYPESCRIPT.has(extension)) return compileTypeScript(file, options);
  if (!YAML.has(extension)) {
    const folder = await folderFailure(file);
    if (folder) return failed([folder]);
    return failed([error("load-failed", `${display}: pipec reads .ts pipelines and .yaml/.yml/.json pipelines or plans, not "${extension || "no extension"}"`, null, "rename the file, e.g. ci.pipeline.ts or pipeline.yaml")]);
  }
  const { text, diagnostic } = await readPipelineText(file);
  if (diagnostic) return failed([diagnostic]);
  if (extension === ".json") {
    const plan = await cleanJsonPlan(text, display, options.cacheDir === undefined ? ".pipec/cache" : options.cacheDir);
    if (plan) return plan;
  }
  const { loadYamlPipeline } = await import("./yaml/index.ts");
  const loaded = loadYamlPipeline(text, display);
  return finish(loaded.draft, loaded.diagnostics, false);
}

async function compileTypeScript(file: string, options: CompileOptions): Promise<CompileResult> {
  const { diagnostic } = await readPipelineText(file);
  if (diagnostic) return failed([diagnostic]);
  const { loadTypeScriptPipeline } = await import("./typescript/load-typescript.ts");
  const loaded = await loadTypeScriptPipeline(file, { timeoutMs: options.loadTimeoutMs, signal: options.signal });
  const diagnostics = [...loaded.diagnostics];
  let cached = false;
  if (options.typecheck !== false && loaded.bundle) {
    const { readCachedTypecheck, typecheckCacheKey, writeCachedTypecheck } = await import("./typescript/typecheck-cache.ts");
    const cacheDir = options.cacheDir === undefined ? ".pipec/cache" : options.cacheDir;
    const key = cacheDir === null ? null : await typecheckCacheKey(loaded.bundle.inputs, resolve(file));
    const hit = cacheDir && key ? await readCachedTypecheck(cacheDir, key) : null;
    cached = hit !== null;
    const typeDiagnostics = hit ?? (await (await import("./typescript/typecheck.ts")).typecheckPipeline(file));
    if (!hit && cacheDir && key) await writeCachedTypecheck(cacheDir, key, typeDiagnostics).catch(() => undefined);
    diagnostics.push(...typeDiagnostics);
  }
  return finish(loaded.draft, diagnostics, cached);
}

async function finish(draft: Draft | null, diagnostics: Diagnostic[], typecheckCached: boolean): Promise<CompileResult> {
  if (!draft) return { ...failed(diagnostics), typecheckCached };
  const { validateDraft } = await import("./validate/index.ts");
  const validated = validateDraft(draft);
  let all = [...diagnostics, ...validated.diagnostics, ...editedPlan(draft, validated.plan)];
  // The slow path: a draft that only knows call sites looks for the exact properties now.
  if (all.length > 0 && draft.refine) all = preferPipecAtSameSpot(dedupeDiagnostics(await draft.refine(all)));
  all = sortDiagnostics(all);
  return { plan: hasErrors(all) ? null : validated.plan, diagnostics: all, typecheckCached };
}

/**
 * The fast path for a JSON plan as pipec writes it (`pipec build --format json`, a run's own
 * plan.json): JSON.parse instead of the YAML parser and its table of positions. Taken only when the
 * text is byte for byte what pipec would write for the value it holds (so no duplicate key, nothing
 * JSON.parse and YAML could read differently) and validation has not a word to say; anything else
 * returns null and takes the YAML path, whose diagnostics name lines and columns.
 */
async function cleanJsonPlan(text: string, display: string, cacheDir: string | null): Promise<CompileResult | null> {
  const memo = cacheDir === null ? null : validatedPlanMemo(cacheDir, text, display, import.meta.url);
  const known = memo === null ? null : await memo.read();
  if (known) return { plan: known, diagnostics: [], typecheckCached: false };
  if (nestingPastLimit(text) >= 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const { PLAN_API_VERSION } = await import("../runtime/plan/schema.ts");
  if (value === null || typeof value !== "object" || Array.isArray(value) || (value as { apiVersion?: unknown }).apiVersion !== PLAN_API_VERSION) return null;
  if (`${JSON.stringify(value, null, 2)}\n` !== text) return null;
  const { digest, ...plan } = value as Record<string, unknown>;
  const draft: Draft = { plan: plan as unknown as PlanInput, locate: () => null, ...(typeof digest === "string" ? { statedDigest: { digest, location: null } } : {}) };
  const result = await finish(draft, [], false);
  if (result.plan === null || result.diagnostics.length > 0) return null;
  await memo?.write(result.plan);
  return result;
}

/** A plan file whose digest does not fit its content was changed after `pipec build` wrote it: it runs as it is, and that is said. */
function editedPlan(draft: Draft, plan: Plan | null): Diagnostic[] {
  const stated = draft.statedDigest;
  if (!stated || !plan?.digest || stated.digest === plan.digest) return [];
  const message = `this plan was changed after pipec build wrote it: its digest is ${stated.digest}, its content's is ${plan.digest}; pipec uses it as it is now`;
  return [warning("plan-edited", message, stated.location, "build the plan again from the pipeline (pipec build -o FILE), or set digest to the new value if the edit is meant")];
}

function failed(diagnostics: Diagnostic[]): CompileResult {
  return { plan: null, diagnostics: sortDiagnostics(diagnostics), typecheckCached: false };
}
