/**
 * Reads a CI file as plain data plus the line of every mapping key (so each TODO names its source
 * line). Anchors, aliases and `<<` merges are resolved by `yaml`; GitLab's `!reference` tag is kept
 * as a marker object for the GitLab expander.
 */
import YAML from "yaml";

/** A `!reference [job, key, ...]` before it is resolved. */
export interface ReferenceTag {
  readonly reference: readonly string[];
}
export const isReference = (value: unknown): value is ReferenceTag =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as { reference?: unknown }).reference) && Object.keys(value).length === 1;

export type Lines = ReadonlyMap<string, number>;

export type SourceRead =
  | { readonly ok: true; readonly data: unknown; readonly lines: Lines; /** A header document before the config (GitLab's `spec:`). */ readonly header: unknown }
  | { readonly ok: false; readonly line: number; readonly message: string };

const referenceTag: YAML.CollectionTag = {
  tag: "!reference",
  collection: "seq",
  // Kept as plain data: the expander resolves it once every job is known.
  resolve: (seq: unknown) => ({ reference: (seq as YAML.YAMLSeq).items.map((item) => String(YAML.isScalar(item) ? item.value : item)) }) as unknown as YAML.YAMLSeq,
} as unknown as YAML.CollectionTag;

/** Key path joined with "\u0000", for `lines`: `["build", "script"]`. */
export const linesKey = (path: readonly (string | number)[]) => path.join("\u0000");

export function readSourceYaml(text: string): SourceRead {
  const lineCounter = new YAML.LineCounter();
  let docs: YAML.Document.Parsed[];
  try {
    const parsed = YAML.parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: false, customTags: [referenceTag], prettyErrors: false, strict: false });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (cause) {
    return { ok: false, line: 1, message: (cause as Error).message };
  }
  if (docs.length > 2) return { ok: false, line: lineCounter.linePos(docs[2]!.range[0]).line, message: `${docs.length} YAML documents in one file; a CI file has one (after an optional header)` };
  const doc = docs.at(-1) ?? new YAML.Document(null);
  const problem = [...docs.flatMap((d) => d.errors)][0];
  if (problem) return { ok: false, line: lineCounter.linePos(problem.pos[0]).line, message: problem.message.split("\n")[0]! };
  const lines = new Map<string, number>();
  const walk = (node: unknown, path: (string | number)[], depth: number) => {
    if (depth > 4) return;
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const at = [...path, key];
        const range = (pair.key as YAML.Node | null)?.range;
        if (range) lines.set(linesKey(at), lineCounter.linePos(range[0]).line);
        walk(pair.value, at, depth + 1);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, index) => {
        const at = [...path, index];
        const range = (item as YAML.Node | null)?.range;
        if (range) lines.set(linesKey(at), lineCounter.linePos(range[0]).line);
        walk(item, at, depth + 1);
      });
    }
  };
  walk(doc.contents, [], 0);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 10_000 });
  } catch (cause) {
    return { ok: false, line: 1, message: (cause as Error).message };
  }
  let header: unknown = null;
  try {
    header = docs.length === 2 ? docs[0]!.toJS() : null;
  } catch {
    header = null;
  }
  return { ok: true, data, lines, header };
}

export const isMap = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
