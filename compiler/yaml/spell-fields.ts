/**
 * Plan fields in the author's YAML keys, for diagnostics: `retry_count` where the plan says
 * `retry.max`, `depends_on[0]` for `needs[0]`, `environment.FOO` for `env.FOO`. The location table
 * already knows which document node each plan value came from; this finds that node's path, whose
 * keys are spelled as the author wrote them. The index of the document is built on the first label,
 * so a clean build never pays for it.
 */
import { nearestEntry, type PlanPath } from "../draft.ts";
import type { FieldSpeller } from "../label.ts";
import type { LocatedDocument } from "./located-document.ts";
import { recordedOffset, type Recorded } from "./map-context.ts";

interface DocumentIndex {
  /** Source offset of a value to the document paths of the values there (more than one through aliases). */
  readonly nodes: Map<number, PlanPath[]>;
  /** Source offset of a mapping key to the document paths it holds. */
  readonly keys: Map<number, PlanPath[]>;
}

/** `table` is the mapping's (plan path key to where the author wrote it, map-context.ts). */
export function yamlSpeller(table: ReadonlyMap<string, Recorded>, document: LocatedDocument): FieldSpeller {
  let index: DocumentIndex | undefined;
  const offsetOf = (entry: Recorded) => recordedOffset(document, entry);
  /** The document path a plan path came from, among those under `prefix`, and how much of the plan path it covers. */
  const sourceOf = (planPath: PlanPath, prefix: PlanPath, exactLength?: number): { doc: PlanPath; matched: number } | null => {
    const nearest = nearestEntry(table, planPath, offsetOf);
    if (!nearest) return null;
    index ??= indexDocument(document);
    // A mapping's node starts at its first key: values are tried before keys.
    for (const candidates of [index.nodes.get(nearest.entry), index.keys.get(nearest.entry)]) {
      const doc = candidates?.find((path) => startsWith(path, prefix) && (exactLength === undefined || path.length === exactLength));
      if (doc) return { doc, matched: nearest.length };
    }
    return null;
  };
  return (scope, field) => {
    let docScope: PlanPath = [];
    if (scope.length > 0) {
      const job = sourceOf(scope.slice(0, 2), ["jobs"], 2);
      if (!job || job.matched !== 2) return null;
      if (scope.length === 2) docScope = job.doc;
      else if (scope.length === 4 && scope[2] === "steps") docScope = [...job.doc, "steps", scope[3]!]; // steps keep their index
      else return null;
    }
    const full = [...scope, ...field];
    const found = sourceOf(full, docScope);
    if (!found || found.matched <= scope.length) return null;
    return [...found.doc.slice(docScope.length), ...full.slice(found.matched)];
  };
}

function indexDocument(document: LocatedDocument): DocumentIndex {
  const nodes = new Map<number, PlanPath[]>();
  const keys = new Map<number, PlanPath[]>();
  const add = (map: Map<number, PlanPath[]>, offset: number | undefined, path: PlanPath) => {
    if (offset === undefined) return;
    const list = map.get(offset);
    if (list) list.push(path);
    else map.set(offset, [path]);
  };
  const visit = (value: unknown, path: PlanPath): void => {
    add(nodes, document.nodeOffset(path), path);
    if (path.length > 0) add(keys, document.keyOffset(path), path);
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i]));
    else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
  };
  visit(document.value, []);
  return { nodes, keys };
}

function startsWith(path: PlanPath, prefix: PlanPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(path[i]) === String(segment));
}
