/**
 * The compiler settings pipelines are type-checked with, as plain data: part of the cache key, and
 * readable without loading the TypeScript compiler (which costs ~250 ms, so a cache hit never loads it).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { dslDir, dslEntry } from "./dsl-entry.ts";

export interface TypecheckSettings {
  readonly target: "ES2022";
  readonly module: "ESNext";
  readonly moduleResolution: "Bundler";
  readonly lib: readonly string[];
  readonly types: readonly string[];
  readonly typeRoots: readonly string[];
  readonly paths: Readonly<Record<string, readonly string[]>>;
}

export function typecheckSettings(root: string): TypecheckSettings {
  const pipecRoot = dirname(dslDir());
  return {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "Bundler",
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [join(pipecRoot, "node_modules", "@types"), join(root, "node_modules", "@types")],
    paths: { pipec: [dslEntry()] },
  };
}

/** The checker's version (ts-morph pins its TypeScript), read from its package.json. */
export function checkerVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("ts-morph/package.json") as { version: string }).version;
}
