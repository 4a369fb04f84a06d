/**
 * Evaluates a bundled pipeline outside pipec's own process state: in a `node:worker_threads` Worker
 * (load-worker.ts) with a time limit. The bundle is written to a private temporary file (so stack
 * frames name a real file the source map describes), removed when the load ends, however it ends,
 * even when pipec exits on Ctrl-C meanwhile. What the pipeline does at load (process.exit, a loop
 * that never ends, an await that never settles, timers left running) ends as a diagnostic.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Diagnostic } from "../diagnostic.ts";
import { error } from "../make-diagnostic.ts";
import { BUNDLE_NAME, type Bundle } from "./bundle.ts";
import type { Lowered } from "./lower.ts";
import { loadWorkerFile } from "./load-worker-file.ts";

/** How long a pipeline may take to load, by default. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

/** What the loading thread is given (plain data). */
export interface LoadRequest {
  readonly bundleFile: string;
  readonly bundleUrl: string;
  readonly map: string;
  /** The pipeline file's folder. */
  readonly root: string;
  /** The pipeline file's name, relative to `root`. */
  readonly entry: string;
  readonly dslDir: string;
}

/** What the loading thread answers (plain data): the lowered pipeline, diagnostics, or a bug in pipec. */
export type LoadOutcome =
  | { readonly kind: "lowered"; readonly lowered: Lowered; readonly warnings: Diagnostic[] }
  | { readonly kind: "failed"; readonly diagnostics: Diagnostic[] }
  | { readonly kind: "internal"; readonly message: string; readonly stack: string };

export interface EvaluateOptions {
  readonly root: string;
  readonly entry: string;
  readonly dslDir: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Ends the loading when aborted (Ctrl-C in `pipec run`). */
  readonly signal?: AbortSignal;
}

/** A loading thread, started before the bundle is ready so that its start-up overlaps the bundling. */
export interface Loader {
  evaluate(bundle: Bundle, options: EvaluateOptions): Promise<LoadOutcome>;
  /** Ends the thread and removes its files, when there is nothing to evaluate (the bundle failed). */
  cancel(): Promise<void>;
}

export async function startLoader(): Promise<Loader> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-load-"));
  // pipec may exit while the pipeline loads (Ctrl-C): the temporary bundle goes with it.
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeNow);
  const cleanUp = async () => {
    process.off("exit", removeNow);
    await rm(dir, { recursive: true, force: true });
  };
  let worker: Worker;
  try {
    // execArgv: none of pipec's own flags (a test runner's loaders) apply to the pipeline's thread.
    worker = new Worker(await loadWorkerFile(dir), { execArgv: [] });
    // The thread never keeps pipec alive: while it loads, the time limit's timer does.
    worker.unref();
  } catch (cause) {
    await cleanUp();
    throw cause;
  }
  // An error of the thread itself (not of the pipeline, which the thread reports): out of memory, or a bug in pipec.
  const early = new Promise<Error>((resolve) => worker.once("error", resolve));
  return {
    async evaluate(bundle, options) {
      try {
        const bundleFile = join(dir, BUNDLE_NAME);
        await writeFile(bundleFile, bundle.code);
        const request: LoadRequest = { bundleFile, bundleUrl: pathToFileURL(bundleFile).href, map: bundle.map, root: options.root, entry: options.entry, dslDir: options.dslDir };
        return await answer(worker, early, request, options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, options.signal);
      } finally {
        // Not awaited: the thread is unreferenced and its answer is in; pipec need not wait for it to wind down.
        void worker.terminate();
        await cleanUp();
      }
    },
    async cancel() {
      await worker.terminate();
      await cleanUp();
    },
  };
}

function answer(worker: Worker, early: Promise<Error>, request: LoadRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<LoadOutcome> {
  const at = { file: request.entry, line: 1, column: 1 };
  const hint = "a pipeline file should only build the pipeline: move slow or waiting work into a job's steps";
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: LoadOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", interrupted);
      // Whatever the pipeline left running (an interval, a loop) ends with its thread: the caller terminates it.
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => {
      const seconds = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000}s` : `${timeoutMs}ms`;
      finish(failedAt(error("load-failed", `the pipeline did not finish loading in ${seconds}: its top-level code is still running (a loop that never ends, or an await of something that takes that long)`, at, hint)));
    }, timeoutMs);
    void early.then((cause) =>
      finish((cause as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY" ? failedAt(error("load-failed", "the pipeline ran out of memory while loading", at, hint)) : cause),
    );
    const interrupted = () => finish(failedAt(error("load-failed", "pipec was interrupted while the pipeline loaded", at)));
    if (signal?.aborted) interrupted();
    signal?.addEventListener("abort", interrupted, { once: true });
    worker.on("message", (outcome: LoadOutcome) => finish(outcome));
    worker.on("exit", () =>
      // The thread ran out of work without an answer: the top-level code awaits what never settles.
      finish(failedAt(error("load-failed", "the pipeline did not finish loading: its top-level code awaits a promise that never settles", at, hint))),
    );
    worker.postMessage(request);
  });
}

const failedAt = (diagnostic: Diagnostic): LoadOutcome => ({ kind: "failed", diagnostics: [diagnostic] });
