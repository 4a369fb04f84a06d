/**
 * The script of the loading thread. The built pipec ships it as `dist/load-worker.mjs` (scripts/build.mjs);
 * run from the sources (tests, a clone without a build), load-worker.ts is bundled once per process
 * and written next to the pipeline's bundle, since a Worker cannot run TypeScript.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pipecLayout } from "./dsl-entry.ts";

let fromSources: Promise<string> | undefined;

/** The worker script's path; `scratch` is a private folder the caller removes. */
export async function loadWorkerFile(scratch: string): Promise<string> {
  const { root, built } = pipecLayout();
  if (built) return join(root, "dist", "load-worker.mjs");
  fromSources ??= bundleFromSources();
  const file = join(scratch, "load-worker.mjs");
  await writeFile(file, await fromSources);
  return file;
}

async function bundleFromSources(): Promise<string> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), "load-worker.ts")],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
