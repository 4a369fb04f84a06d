// Bundles pipec's entry points into dist/ with esbuild. Dependencies stay external (node_modules).
// The DSL is not bundled: pipelines import it from dsl/ at compile time.
import { build } from "esbuild";
import { existsSync } from "node:fs";

const entries = { cli: "cli/bin.ts" };
if (existsSync("bench/index.ts")) entries.bench = "bench/index.ts";

await build({
  entryPoints: entries,
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  logLevel: "warning",
});
