// Builds pipec into dist/ (run by `npm install` in a clone, `npm pack` and `npm test`):
// - dist/cli.mjs (+ dist/chunks/): the `pipec` command, bundled with esbuild, and dist/load-worker.mjs, the
//   thread a TypeScript pipeline is evaluated in;
// - dist/dsl/: the DSL users import ("pipec"), compiled by TypeScript to JavaScript and .d.ts files with
//   `.js` import specifiers, so a user's project type-checks it under `nodenext` and `bundler` alike;
// - dist/bench.mjs (+ dist/bench-chunks/): `npm run bench`, in a clone only (never packed).
//
// The pure-JS packages every build loads (zod, yaml, commander) are bundled in: loading them from
// node_modules file by file (zod is ~100 ES modules, yaml ~80 CommonJS files) cost more than a build
// of a small pipeline. Every other package stays external: esbuild and ts-morph (native binary, large
// and loaded on demand), dockerode and the runtime's dependencies.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const BUNDLED = new Set(["zod", "yaml", "commander"]);
const INSIDE_BUNDLED = new RegExp(`/node_modules/(?:${[...BUNDLED].join("|")})(?:/|$)`);

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

/**
 * zod's classic API re-exports every one of its ~60 message locales (about half of its 750 KB), and
 * every pipec command that reads a pipeline parses that source at start-up. pipec's messages are its
 * own English words: the bundle keeps zod's English locale, its default, and leaves the others out.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /\/node_modules\/zod\//.test(args.importer) ? { path: join(args.resolveDir, "../locales/en.js"), namespace: "zod-locales" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: process.cwd(),
      loader: "js",
    }));
  },
};

/** One esbuild bundle of an entry point into dist/, with its chunks in a folder of its own. */
const bundle = (entryPoints, chunks) =>
  build({
    entryPoints,
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [zodEnglishOnly, externalPackages],
    // yaml and commander are CommonJS: their require() of Node's modules needs a require in ES modules.
    banner: { js: 'import { createRequire as __pipecCreateRequire } from "node:module"; const require = __pipecCreateRequire(import.meta.url);' },
    splitting: true,
    chunkNames: `${chunks}/[name]-[hash]`,
    sourcemap: "linked",
    logLevel: "warning",
  });

/** TypeScript keeps `./x.ts` in declaration files; a user's checker without allowImportingTsExtensions needs `./x.js`. */
function rewriteDeclarationImports(dir) {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".d.ts")) continue;
    const file = join(dir, name);
    const text = readFileSync(file, "utf8");
    const rewritten = text.replace(/(from\s+|import\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

rmSync("dist", { recursive: true, force: true });
// The loading thread (compiler/typescript/load-worker.ts) shares the CLI's chunks.
await bundle({ cli: "cli/bin.ts", "load-worker": "compiler/typescript/load-worker.ts" }, "chunks");
if (existsSync("bench/index.ts")) await bundle({ bench: "bench/index.ts" }, "bench-chunks");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.dsl.json"], { stdio: "inherit" });
rewriteDeclarationImports(join("dist", "dsl"));
