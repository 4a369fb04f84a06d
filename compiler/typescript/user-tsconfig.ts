/**
 * The user's tsconfig.json for a pipeline, found without loading TypeScript (so a type-check cache hit
 * stays cheap): the nearest `tsconfig.json` up from the pipeline's folder, as `tsc` finds it, and the
 * text of it and of the files it extends by relative path, for the cache key. Whether it includes the
 * pipeline, and what it means, is decided by the checker (typecheck.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export function nearestTsconfig(fromDir: string): string | null {
  for (let dir = resolve(fromDir); ; ) {
    const candidate = join(dir, "tsconfig.json");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Path and text of the tsconfig and of every file it extends by a relative path (at most 10 deep). */
export function tsconfigTexts(file: string | null): string[] {
  const texts: string[] = [];
  for (let current = file, depth = 0; current && depth < 10; depth++) {
    let text: string;
    try {
      text = readFileSync(current, "utf8");
    } catch {
      texts.push(`${current}\0unreadable`);
      break;
    }
    texts.push(`${current}\0${text}`);
    const extended = /"extends"\s*:\s*"(\.{1,2}\/[^"]+)"/.exec(text)?.[1];
    current = extended ? resolve(dirname(current), extended.endsWith(".json") ? extended : `${extended}.json`) : null;
  }
  return texts;
}
