/** Finds pipec's own DSL entry (`dsl/index.ts`), which `import ... from "pipec"` in a pipeline resolves to. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function dslEntry(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "dsl", "index.ts");
    if (existsSync(candidate) && existsSync(join(dir, "package.json"))) return (cached = candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("pipec is installed without its dsl/ folder; reinstall pipec");
    dir = parent;
  }
}

export const dslDir = (): string => dirname(dslEntry());
