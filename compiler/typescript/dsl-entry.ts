/**
 * Finds pipec's own DSL, which `import ... from "pipec"` in a pipeline resolves to, whichever copy of
 * "pipec" the user's project has (or none). Run from the sources (tests, a clone), that is `dsl/index.ts`;
 * run from the built CLI (`dist/`, what npm installs), the built DSL: `dist/dsl/index.js` for esbuild and
 * `dist/dsl/index.d.ts` for the type checker.
 */
import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface DslFiles {
  /** What the pipeline bundle imports. */
  readonly entry: string;
  /** What the type checker reads for "pipec". */
  readonly types: string;
  /** The folder holding the DSL: its frames are not the author's, nor are diagnostics in it. */
  readonly dir: string;
}

let cached: DslFiles | undefined;

export function dslFiles(): DslFiles {
  if (cached) return cached;
  const { root, built } = pipecLayout();
  const dir = built ? join(root, "dist", "dsl") : join(root, "dsl");
  const entry = join(dir, built ? "index.js" : "index.ts");
  const types = join(dir, built ? "index.d.ts" : "index.ts");
  if (!existsSync(entry) || !existsSync(types)) throw new Error(`pipec is installed without its DSL (${entry}); reinstall pipec`);
  return (cached = { entry, types, dir });
}

export const dslEntry = (): string => dslFiles().entry;
export const dslDir = (): string => dslFiles().dir;

/** pipec's own folder, and whether this code runs from the built `dist/` (else from the sources). */
export function pipecLayout(): { root: string; built: boolean } {
  const here = fileURLToPath(import.meta.url);
  const root = packageRoot(dirname(here));
  return { root, built: here.startsWith(join(root, "dist") + sep) };
}

/** The nearest folder up from `dir` with a package.json: pipec's own. */
function packageRoot(dir: string): string {
  for (let current = dir; ; ) {
    if (existsSync(join(current, "package.json"))) return current;
    const parent = dirname(current);
    if (parent === current) throw new Error("pipec is installed without its package.json; reinstall pipec");
    current = parent;
  }
}
