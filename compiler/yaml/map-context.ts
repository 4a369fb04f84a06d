/**
 * What the authoring-to-plan mapping carries around: the located document, the diagnostics, and the
 * location table that lets later passes find the author's line for a plan path.
 */
import { error, type Diagnostic } from "../diagnostic.ts";
import { pathKey, type PlanPath } from "../draft.ts";
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import type { LocatedDocument } from "./located-document.ts";
import { formatPath } from "./schema-issues.ts";
import { toMs } from "./values.ts";

export interface MapContext {
  readonly file: string;
  readonly document: LocatedDocument;
  readonly diagnostics: Diagnostic[];
  /** Plan path (as `pathKey`) to the document path of the author's text, looked up by `recordedOffset` when asked. */
  readonly table: Map<string, Recorded>;
}

/**
 * Where a plan value came from: a document path (its node, else its key), or `keyOf` one (its key,
 * else its node). The position is looked up only for the few entries a diagnostic or label asks about.
 */
export type Recorded = PlanPath | { readonly keyOf: PlanPath };

/** Records that the plan value at `planPath` came from the document node at `docPath`. */
export function record(context: MapContext, planPath: PlanPath, docPath: PlanPath): void {
  context.table.set(pathKey(planPath), docPath);
}

/** Records a mapping key's position (a job's `build:`), which reads better than its first field. */
export function recordKey(context: MapContext, planPath: PlanPath, docPath: PlanPath): void {
  context.table.set(pathKey(planPath), { keyOf: docPath });
}

/** The source offset a recorded entry stands for; undefined where the document has nothing at its path (the entry then does not count). */
export function recordedOffset(document: LocatedDocument, entry: Recorded): number | undefined {
  if ("keyOf" in entry) return document.keyOffset(entry.keyOf) ?? document.nodeOffset(entry.keyOf);
  return document.nodeOffset(entry) ?? document.keyOffset(entry);
}

/** Records a value and everything inside it, where plan and document have the same shape below the two paths. */
export function recordTree(context: MapContext, planPath: PlanPath, docPath: PlanPath, value: unknown): void {
  record(context, planPath, docPath);
  if (Array.isArray(value)) value.forEach((item, index) => recordTree(context, [...planPath, index], [...docPath, index], item));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) recordTree(context, [...planPath, key], [...docPath, key], item);
  }
}

/** The location of a document path, for a Diagnostic: the node, else its key, else the top of the file. */
export function locationOf(context: MapContext, docPath: PlanPath): SourceLocation {
  return context.document.node(docPath) ?? context.document.key(docPath) ?? { file: context.file, line: 1, column: 1 };
}

/** A duration in milliseconds. The schema has checked the text; this guards the two regexes drifting apart. */
export function durationMs(value: string | number, docPath: PlanPath, context: MapContext): number {
  const ms = toMs(value);
  if (ms !== undefined) return ms;
  context.diagnostics.push(error("schema", `${formatPath(docPath)}: "${value}" is not a duration`, locationOf(context, docPath)));
  return 0;
}
