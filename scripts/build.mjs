// Bundles pipec's entry points into dist/ with esbuild. The DSL is not bundled: pipelines import it
// from dsl/ at compile time.
//
// The pure-JS packages every build loads (zod, yaml, commander) are bundled in: loading them from
// node_modules file by file (zod is ~100 ES modules, yaml ~80 CommonJS files) cost more than a build
// of a small pipeline. Every other package stays external: esbuild and ts-morph (native binary, large
// and loaded on demand), dockerode and the runtime's dependencies.
import { build } from "esbuild";
import { existsSync } from "node:fs";

const BUNDLED = new Set(["zod", "yaml", "commander"]);
const INSIDE_BUNDLED = new RegExp(`/node_modules/(?:${[...BUNDLED].join("|")})(?:/|$)`);

const entries = { cli: "cli/bin.ts" };
if (existsSync("bench/index.ts")) entries.bench = "bench/index.ts";

/** Marks every package import external except the BUNDLED ones (and their own files). */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { external: true };
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      const inBundledPackage = INSIDE_BUNDLED.test(args.resolveDir);
      return BUNDLED.has(name) || inBundledPackage ? undefined : { external: true };
    });
  },
};

await build({
  entryPoints: entries,
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  plugins: [externalPackages],
  // yaml and commander are CommonJS: their require() of Node's modules needs a require in ES modules.
  banner: { js: 'import { createRequire as __pipecCreateRequire } from "node:module"; const require = __pipecCreateRequire(import.meta.url);' },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  logLevel: "warning",
});
