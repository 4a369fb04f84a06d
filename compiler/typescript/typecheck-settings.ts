/**
 * The compiler settings pipec adds to every type-check, as plain data: part of the cache key, and
 * readable without loading the TypeScript compiler (which costs ~250 ms, so a cache hit never loads it).
 * The user's own tsconfig.json (user-tsconfig.ts) comes on top of pipec's defaults; these are forced.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { dslFiles } from "./dsl-entry.ts";

export interface TypecheckSettings {
  /** The lowest target: top-level await needs ES2017, the DSL's types ES2022. */
  readonly target: "ES2022";
  /** esbuild loads the pipeline, so resolution is a bundler's, whatever the project's `module`. */
  readonly module: "ESNext";
  readonly moduleResolution: "Bundler";
  /** The default `lib` when the project's tsconfig names none. */
  readonly lib: readonly string[];
  /** Node's types, from pipec's own @types/node, wherever the pipeline is. */
  readonly types: readonly string[];
  readonly typeRoots: readonly string[];
  /** "pipec" is pipec's own DSL, the one the pipeline runs with. */
  readonly paths: Readonly<Record<string, readonly string[]>>;
}

let cached: TypecheckSettings | undefined;

export function typecheckSettings(): TypecheckSettings {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const nodeTypes = dirname(require.resolve("@types/node/package.json"));
  return (cached = {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "Bundler",
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [dirname(nodeTypes)],
    paths: { pipec: [dslFiles().types] },
  });
}

/** The checker's version (ts-morph pins its TypeScript), read from its package.json. */
export function checkerVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("ts-morph/package.json") as { version: string }).version;
}
