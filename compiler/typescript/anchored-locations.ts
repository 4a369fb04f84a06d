/**
 * The TypeScript draft's locations. Evaluating a pipeline tells us where each `job(` and `step(` was
 * called, not where its options are written, so `locate` answers with the nearest call site and
 * remembers which path below that call it was asked for. When a build has diagnostics, `refine`
 * parses the author's files and moves each one to the exact property (property-locator.ts); a clean
 * build never loads the parser.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { nearestEntry, type Draft, type PlanPath } from "../draft.ts";

export interface Anchor {
  /** The call site the path starts from. */
  readonly site: SourceLocation;
  /** The path below that call, in plan terms or as the author wrote it (the locator tries both). */
  readonly path: PlanPath;
}

export interface AnchoredLocations {
  /** The nearest recorded call site for a plan path, remembered for `refine`. */
  readonly locate: Draft["locate"];
  /** A location at a call site, remembered as `path` below it. */
  at(site: SourceLocation, path: PlanPath): SourceLocation;
  readonly refine: NonNullable<Draft["refine"]>;
  /** What `refine` knows of a location handed out here, so it can cross to another thread and be `adopt`ed there. */
  anchorOf(location: SourceLocation | null): Anchor | undefined;
  /** A location for an anchor recorded elsewhere (the loading thread), remembered for `refine` like `at`'s. */
  adopt(anchor: Anchor): SourceLocation;
}

/**
 * `table` maps plan paths (`pathKey`) to call sites; `pipelineSite` is the `pipeline(` call, which
 * answers every path with no recorded prefix. A job or step whose own call site was not found was
 * recorded at `pipelineSite` itself: its paths are not looked for in the pipeline's options.
 */
export function anchoredLocations(table: ReadonlyMap<string, SourceLocation>, pipelineSite: SourceLocation, root: string): AnchoredLocations {
  // Keyed by the location objects handed out: a diagnostic keeps the object it was given.
  const anchors = new WeakMap<SourceLocation, Anchor>();
  const remember = (site: SourceLocation, path: PlanPath): SourceLocation => {
    const location = { ...site };
    if (path.length > 0) anchors.set(location, { site, path: [...path] });
    return location;
  };
  return {
    locate(path) {
      const nearest = nearestEntry(table, path);
      if (!nearest) return remember(pipelineSite, path);
      if (nearest.entry === pipelineSite) return { ...pipelineSite };
      return remember(nearest.entry, path.slice(nearest.length));
    },
    at(site, path) {
      return site === pipelineSite ? { ...site } : remember(site, path);
    },
    anchorOf: (location) => (location ? anchors.get(location) : undefined),
    adopt: (anchor) => remember(anchor.site, anchor.path),
    async refine(diagnostics) {
      const anchored = diagnostics.filter((d) => d.location && anchors.has(d.location));
      if (anchored.length === 0) return [...diagnostics];
      const { parseSource, locateProperty } = await import("./property-locator.ts");
      const sources = new Map<string, Promise<ReturnType<typeof parseSource> | null>>();
      const parsed = (file: string) => {
        let source = sources.get(file);
        if (!source) {
          source = readFile(resolve(root, file), "utf8").then(
            (text) => parseSource(text, file),
            () => null,
          );
          sources.set(file, source);
        }
        return source;
      };
      return Promise.all(
        diagnostics.map(async (d) => {
          const anchor = d.location ? anchors.get(d.location) : undefined;
          if (!anchor) return d;
          const source = await parsed(anchor.site.file);
          const found = source ? locateProperty(source, anchor.site, anchor.path) : null;
          if (!found || found.matched === 0) return d;
          return { ...d, location: { file: anchor.site.file, line: found.line, column: found.column } };
        }),
      );
    },
  };
}
