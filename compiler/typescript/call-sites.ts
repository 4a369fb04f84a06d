/**
 * Maps the stack frames the DSL captured at each builder call back to the author's file, line and
 * column, through the bundle's source map (node:module's SourceMap).
 */
import { SourceMap } from "node:module";
import { resolve } from "node:path";
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import { displayPath } from "./display-path.ts";

const FRAME = /(?:\(|at )((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/;

export interface CallSiteMapper {
  /** The first frame that lies in the author's files (not in pipec's DSL), or null. */
  locate(frames: readonly string[] | undefined): SourceLocation | null;
}

export function createCallSiteMapper(options: { map: string; bundleFile: string; root: string; dslDir: string }): CallSiteMapper {
  const sourceMap = new SourceMap(JSON.parse(options.map));
  const bundleUrl = new URL(`file://${options.bundleFile}`).href;
  // A bundle has a handful of sources and thousands of call sites: each source is resolved once.
  const sources = new Map<string, { display: string; inDsl: boolean }>();
  const sourceOf = (originalSource: string) => {
    let known = sources.get(originalSource);
    if (!known) {
      const source = resolve(options.root, originalSource.replace(/^file:\/\//, ""));
      known = { display: displayPath(source, options.root), inDsl: source.startsWith(options.dslDir + "/") };
      sources.set(originalSource, known);
    }
    return known;
  };
  return {
    locate(frames) {
      for (const frame of frames ?? []) {
        const match = FRAME.exec(frame);
        if (!match) continue;
        const [, where, line, column] = match;
        if (where !== bundleUrl && where !== options.bundleFile) continue;
        const entry = sourceMap.findEntry(Number(line) - 1, Number(column) - 1) as {
          originalSource?: string;
          originalLine?: number;
          originalColumn?: number;
        };
        if (!entry.originalSource) continue;
        const source = sourceOf(entry.originalSource);
        if (source.inDsl) continue;
        return { file: source.display, line: (entry.originalLine ?? 0) + 1, column: (entry.originalColumn ?? 0) + 1 };
      }
      return null;
    },
  };
}
