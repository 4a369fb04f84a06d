/**
 * The loading thread (a `node:worker_threads` Worker started by evaluate.ts): runs the bundled
 * pipeline, finds the exported pipeline and lowers it, then posts one `LoadOutcome`, plain data.
 *
 * The pipeline's own code runs only here, so what it does to its process stays here: `process.exit`
 * is reported as a load error at the author's line, an uncaught throw or an unhandled rejection
 * during loading likewise, and timers it leaves behind end with the thread (pipec terminates it
 * once the outcome is posted). It is not a security boundary: a pipeline is code the user runs.
 */
import { parentPort } from "node:worker_threads";
import type { Diagnostic } from "../diagnostic.ts";
import { error } from "../make-diagnostic.ts";
import { anchoredLocations } from "./anchored-locations.ts";
import { createCallSiteMapper } from "./call-sites.ts";
import { traceEnvReads } from "./env-reads.ts";
import type { LoadOutcome, LoadRequest } from "./evaluate.ts";
import { labelPath } from "../label.ts";
import { exportedPipeline } from "./exported-pipeline.ts";
import { dslSpeller } from "./spell-fields.ts";
import { lowerToData, type Lowered } from "./lower.ts";
import { framesHere, thrownFacts } from "./thrown.ts";

// Started while esbuild bundles the pipeline (its start-up is hidden behind that), then told what to load.
const request = await new Promise<LoadRequest>((received) => parentPort!.once("message", received));
const sites = createCallSiteMapper(request);
const fallback = { file: request.entry, line: 1, column: 1 };
const hint = "fix the code at this line; a pipeline file should only build the pipeline";
let posted = false;

function post(outcome: LoadOutcome): void {
  if (posted) return;
  posted = true;
  parentPort!.postMessage(outcome);
}

const failed = (diagnostic: Diagnostic): LoadOutcome => ({ kind: "failed", diagnostics: [diagnostic] });

/** A throw from the author's code is the author's mistake; one from pipec's own code is a bug in pipec. */
function thrownOutcome(thrown: unknown, what: string): LoadOutcome {
  const facts = thrownFacts(thrown);
  const where = sites.locate(facts.frames);
  if (!where && what === "read") return { kind: "internal", message: facts.message, stack: facts.frames.join("\n") };
  return failed(error("load-failed", `the pipeline file ${what === "read" ? "threw while pipec read it" : what}: ${facts.message}`, where ?? fallback, hint));
}

const realExit = process.exit.bind(process);
process.exit = function exit(code?: number | string | null): never {
  const where = sites.locate(framesHere(exit)) ?? fallback;
  post(failed(error("load-failed", `the pipeline called process.exit(${code ?? ""}) while loading: pipec stopped it, nothing was built or checked`, where, "remove the process.exit call; to fail the build with a message, throw an Error")));
  return realExit(code === undefined || code === null ? 0 : Number(code) || 0);
} as typeof process.exit;
process.on("uncaughtException", (thrown) => post(thrownOutcome(thrown, "threw while loading")));
process.on("unhandledRejection", (reason) => post(thrownOutcome(reason, "left a promise rejected while loading")));

const env = traceEnvReads(sites);
await load();

async function load(): Promise<void> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(request.bundleUrl)) as Record<string, unknown>;
  } catch (thrown) {
    return post(thrownOutcome(thrown, "threw while loading"));
  }
  try {
    const found = exportedPipeline(exports, request.entry);
    if ("diagnostic" in found) return post(failed(found.diagnostic));
    const lowered = lowerToData(found.pipeline, sites, request.entry, request.root);
    // A rejection the top-level code left unhandled is reported on the next turn: let it be, first.
    await new Promise((settled) => setImmediate(settled));
    try {
      post({ kind: "lowered", lowered, warnings: env.diagnostics() });
    } catch (cause) {
      // Only a plan holding what cannot be copied to pipec's thread (a function, a symbol) fails to post: say where.
      posted = false;
      post(uncloneable(lowered) ?? thrownOutcome(cause, "read"));
    }
  } catch (thrown) {
    post(thrownOutcome(thrown, "read"));
  }
}

/** A failure naming where the plan holds a value that cannot leave this thread (a function, a symbol), else null. */
function uncloneable(lowered: Lowered): LoadOutcome | null {
  const path = uncloneablePath(lowered.plan, []);
  if (!path) return null;
  const locations = anchoredLocations(lowered.table, lowered.pipelineSite, request.root);
  const label = labelPath(lowered.plan, path, dslSpeller(lowered.plan));
  return failed(error("schema", `${label}: expected text, a number, a list or an object, got a ${typeof valueAt(lowered.plan, path)}`, locations.locate(path)));
}

function uncloneablePath(value: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === "function" || typeof value === "symbol") return path;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = uncloneablePath(inner, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return null;
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((inner, part) => (inner as Record<string | number, unknown>)[part], value);
}
