/**
 * A fast reader for the plain subset of YAML that most pipelines are written in: block mappings and
 * block sequences, one-line plain and quoted scalars, one-line flow sequences and mappings, literal
 * block scalars (`|`, `|-`), anchors on values, aliases, merge keys (`<<: *a`, `<<: [*a, *b]`) and
 * comments. The `yaml` package spends most of a build on documents like these (its node tree, its
 * duplicate-key scan is quadratic in a mapping's size, each alias searches the whole document), and
 * its positions are all we need.
 *
 * It answers only where it is sure to answer as `yaml` and the walk in `located-document.ts` do: the
 * same values (YAML 1.2 core schema, aliases and merges expanded into copies), the same positions, no
 * diagnostics. Anything else (tags, folded and `|+` scalars, multi-line plain or flow values, escapes,
 * tabs, non-ASCII text, duplicate or non-string keys, empty values, redefined anchors, anchors on keys
 * or compact mappings, more than `maxNodes` nodes) gives null, and the caller reads the text with
 * `yaml`. `test/compiler/yaml/simple-yaml.test.ts` holds the two readers to the same answers.
 */
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import type { PlanPath } from "../draft.ts";
import type { LocatedDocument } from "./located-document.ts";
import { OutsideSubset, SimpleScanner, outside, type Located, type Pair, type Parsed } from "./simple-yaml-scanner.ts";

const PRINTABLE_ASCII = /^[\x20-\x7e\n]*$/;

export function readSimpleYaml(text: string, file: string, maxNodes: number): LocatedDocument | null {
  if (!PRINTABLE_ASCII.test(text)) return null;
  let root: { value: unknown; located: Located };
  const reader = new SimpleReader(text, maxNodes);
  try {
    root = reader.document();
  } catch (cause) {
    if (cause instanceof OutsideSubset) return null;
    throw cause;
  }
  const lineStarts = reader.lineStarts;
  const at = (offset: number): SourceLocation => {
    const { line, col } = linePos(lineStarts, offset);
    return { file, line, column: col };
  };
  const locate = (path: PlanPath): Located | undefined => {
    let current: Located | undefined = root.located;
    for (const segment of path) {
      const children: Located["children"] = current.children;
      if (children === null) return undefined;
      current = Array.isArray(children) ? children[indexOf(segment)] : children.get(String(segment));
      if (current === undefined) return undefined;
    }
    return current;
  };
  return {
    value: root.value,
    node: (path) => {
      const located = locate(path);
      return located ? at(located.start) : undefined;
    },
    key: (path) => {
      const located = path.length === 0 ? undefined : locate(path);
      return located === undefined || located.key < 0 ? undefined : at(located.key);
    },
    nodeOffset: (path) => locate(path)?.start,
    keyOffset: (path) => {
      const located = path.length === 0 ? undefined : locate(path);
      return located === undefined || located.key < 0 ? undefined : located.key;
    },
    at,
    find: (path, needle, occurrence) => {
      const located = locate(path);
      if (!located) return undefined;
      let index = located.start - 1;
      for (let n = 0; n <= occurrence; n++) {
        index = text.indexOf(needle, index + 1);
        if (index < 0 || index >= located.end) return undefined;
      }
      return at(index);
    },
  };
}

/** A sequence index for a path segment, as `pathKey` would match it ("0" and 0 are the same), else -1. */
function indexOf(segment: string | number): number {
  const text = String(segment);
  return /^(?:0|[1-9][0-9]*)$/.test(text) ? Number(text) : -1;
}

/** `yaml`'s LineCounter.linePos, on line starts that begin with 0. */
function linePos(lineStarts: readonly number[], offset: number): { line: number; col: number } {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (lineStarts[mid]! < offset) low = mid + 1;
    else high = mid;
  }
  if (lineStarts[low] === offset) return { line: low + 1, col: 1 };
  if (low === 0) return { line: 0, col: offset };
  return { line: low, col: offset - lineStarts[low - 1]! + 1 };
}

/** The block structure: the document's mapping, nested mappings and sequences, merge keys. */
class SimpleReader extends SimpleScanner {
  document(): Parsed {
    const first = this.next();
    if (first < 0 || this.indents[first] !== 0) outside();
    this.count();
    const root = this.map(0, -1);
    if (this.next() >= 0) outside();
    return root;
  }

  /**
   * A block mapping whose keys sit at column `column`. `firstKey` is the offset of its first key
   * when that is on the current line after a sequence's "- " (a compact mapping), else -1.
   */
  private map(column: number, firstKey: number): Parsed {
    const value: Record<string, unknown> = {};
    const children = new Map<string, Located>();
    const pairs: Pair[] = [];
    let merges: readonly Parsed[] | null = null;
    let start = firstKey;
    for (let compact = firstKey >= 0; ; compact = false) {
      let at: number;
      const line = this.next();
      if (compact) at = firstKey;
      else {
        if (line < 0 || this.indents[line]! < column) break;
        if (this.indents[line]! > column) outside();
        at = this.lineStarts[line]! + column;
      }
      const end = this.ends[line]!;
      if (start < 0) start = at;
      if (this.text.startsWith("<<:", at) && (at + 3 === end || this.text.charCodeAt(at + 3) === 32)) {
        if (merges) outside();
        merges = this.mergeSources(at + 3, end);
        this.line = line + 1;
        continue;
      }
      const colon = this.keyEnd(at, end);
      if (colon < 0) outside();
      const key = this.text.slice(at, colon);
      this.checkKey(key, colon - at, children);
      this.line = line + 1;
      const before = this.nodes;
      const child = this.value(colon + 1, end, column);
      child.located.key = at;
      children.set(key, child.located);
      value[key] = child.value;
      pairs.push({ name: key, value: child.value, located: child.located, nodes: this.nodes - before });
    }
    if (merges) this.merge(merges, value, children);
    return { value, located: { start, end: start, key: -1, children }, pairs };
  }

  /** The sources of a merge key: `<<: *a` or `<<: [*a, *b]`, each an anchored mapping. */
  private mergeSources(from: number, end: number): Parsed[] {
    const at = this.skipSpaces(from, end);
    if (at === from && at < end) outside();
    const sources: Parsed[] = [];
    let i: number;
    if (this.text[at] === "*") i = this.aliasName(at, end, (anchor) => sources.push(anchor));
    else if (this.text[at] === "[") {
      i = this.skipSpaces(at + 1, end);
      for (;;) {
        if (this.text[i] !== "*") outside();
        i = this.skipSpaces(this.aliasName(i, end, (anchor) => sources.push(anchor)), end);
        if (this.text[i] === "]" && i < end) break;
        if (this.text[i] !== "," || i >= end) outside();
        i = this.skipSpaces(i + 1, end);
      }
      i++;
    } else return outside();
    this.rest(i, end);
    for (const source of sources) if (!source.pairs) outside();
    return sources;
  }

  /** The value after a key's colon: inline on the key's line, or a block on the lines below. */
  private value(from: number, end: number, keyColumn: number): Parsed {
    let first = this.skipSpaces(from, end);
    if (first === from && first < end) outside();
    let anchor: string | null = null;
    if (this.text[first] === "&") ({ name: anchor, next: first } = this.anchorName(first, end));
    this.count();
    const before = this.nodes;
    let parsed: Parsed;
    if (first < end && this.text[first] !== "#") {
      if (this.text[first] === "*") {
        if (anchor !== null) outside();
        const alias = this.alias(first, end);
        this.rest(alias.next, end);
        parsed = alias;
      } else parsed = this.inline(first, end, keyColumn);
    } else {
      // Nothing (or a comment) after the colon: a nested block follows, more indented than the key.
      const line = this.next();
      if (line < 0 || this.indents[line]! <= keyColumn) outside();
      const column = this.indents[line]!;
      const at = this.lineStarts[line]! + column;
      parsed = this.text[at] === "-" && (at + 1 === this.ends[line] || this.text[at + 1] === " ") ? this.sequence(column) : this.map(column, -1);
    }
    if (anchor !== null) this.define(anchor, parsed, 1 + this.nodes - before);
    return parsed;
  }

  /** A block sequence whose "-" indicators sit at column `column`. */
  private sequence(column: number): Parsed {
    const value: unknown[] = [];
    const children: Located[] = [];
    let start = -1;
    for (;;) {
      const line = this.next();
      if (line < 0 || this.indents[line]! < column) break;
      if (this.indents[line]! > column) outside();
      const dash = this.lineStarts[line]! + column;
      const end = this.ends[line]!;
      if (this.text[dash] !== "-" || dash + 1 === end || this.text[dash + 1] !== " ") outside();
      if (start < 0) start = dash;
      let first = dash + 1;
      while (first < end && this.text.charCodeAt(first) === 32) first++;
      if (first === end || this.text[first] === "#") outside();
      this.count();
      const before = this.nodes;
      let anchor: string | null = null;
      if (this.text[first] === "&") {
        ({ name: anchor, next: first } = this.anchorName(first, end));
        if (first === end || this.text[first] === "#" || this.keyEnd(first, end) >= 0) outside();
      }
      let item: Parsed;
      if (this.keyEnd(first, end) >= 0) {
        item = this.map(first - this.lineStarts[line]!, first);
      } else if (this.text[first] === "*") {
        if (anchor !== null) outside();
        this.line = line + 1;
        const alias = this.alias(first, end);
        this.rest(alias.next, end);
        item = alias;
      } else {
        this.line = line + 1;
        item = this.inline(first, end, column);
      }
      if (anchor !== null) this.define(anchor, item, 1 + this.nodes - before);
      value.push(item.value);
      children.push(item.located);
    }
    return { value, located: { start, end: start, key: -1, children } };
  }
}
