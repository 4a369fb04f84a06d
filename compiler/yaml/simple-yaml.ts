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
 * `yaml`. `test/compiler/yaml/simple-yaml.test.ts` holds the two readers to the same answers. */
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import type { PlanPath } from "../draft.ts";
import type { LocatedDocument } from "./located-document.ts";

/** Where a value starts (and for scalars, ends), the key that holds it, and its children. */
interface Located {
  readonly start: number;
  readonly end: number;
  key: number;
  readonly children: Map<string, Located> | Located[] | null;
}

/** A value read, and for a mapping its own key-value pairs (what a merge key copies from it). */
interface Parsed {
  readonly value: unknown;
  readonly located: Located;
  readonly pairs?: readonly Pair[];
}

/** One key of a mapping: its value, where it is, and how many nodes the full reader's walk counts for it. */
interface Pair {
  readonly name: string;
  readonly value: unknown;
  readonly located: Located;
  readonly nodes: number;
}

/** Thrown (and caught below) when the text leaves the subset. */
class OutsideSubset extends Error {}
const outside = (): never => {
  throw new OutsideSubset();
};

const PRINTABLE_ASCII = /^[\x20-\x7e\n]*$/;
const PLAIN_START = /[A-Za-z0-9_./$(+~=]/;
const ALNUM = /[A-Za-z0-9]/;

/** A letter, a digit or "_": what a key starts with. */
function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** What an anchor or alias name may hold here: letters, digits, "_" and "-". */
function isAnchorCode(code: number): boolean {
  return isWordCode(code) || code === 45;
}

/** A deep copy of a read value: an alias or a merge gives each use its own objects, as a second walk would. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
}

/** Keys are the longest run of these (letters, digits, "_", ".", "/", "-"), then a colon. */
function isKeyCode(code: number): boolean {
  return isWordCode(code) || code === 46 || code === 47 || code === 45;
}
/** `yaml` rejects an implicit key whose colon is more than 1024 characters after its start. */
const MAX_KEY_LENGTH = 1000;

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

class SimpleReader {
  /** Offsets where lines start: 0 and the offset after each newline, as `yaml` counts them. */
  readonly lineStarts: number[] = [0];
  private readonly ends: number[] = [];
  /** Leading spaces of each line; -1 for a blank or comment-only line. */
  private readonly indents: number[] = [];
  private line = 0;
  private nodes = 0;
  /** Anchored values by name, once complete (an alias inside its own anchor is declined). */
  private readonly anchors = new Map<string, Parsed & { readonly nodes: number }>();

  constructor(
    private readonly text: string,
    private readonly maxNodes: number,
  ) {
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      const end = newline < 0 ? text.length : newline;
      let first = start;
      while (first < end && text.charCodeAt(first) === 32) first++;
      this.ends.push(end);
      this.indents.push(first === end || text[first] === "#" ? -1 : first - start);
      if (newline < 0) break;
      start = newline + 1;
      this.lineStarts.push(start);
    }
  }

  document(): Parsed {
    const first = this.next();
    if (first < 0 || this.indents[first] !== 0) outside();
    this.count();
    const root = this.map(0, -1);
    if (this.next() >= 0) outside();
    return root;
  }

  /** The next line with content (skipping blank and comment lines), or -1 at the end. */
  private next(): number {
    while (this.line < this.indents.length && this.indents[this.line] === -1) this.line++;
    return this.line < this.indents.length ? this.line : -1;
  }

  private count(nodes = 1): void {
    this.nodes += nodes;
    if (this.nodes > this.maxNodes) outside();
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

  /**
   * Applies merge keys as the full reader's walk does: after the explicit keys, each source's own pairs
   * in order (a source's merge keys are not followed), keeping keys already set, values copied.
   */
  private merge(sources: readonly Parsed[], value: Record<string, unknown>, children: Map<string, Located>): void {
    for (const source of sources) {
      for (const pair of source.pairs!) {
        if (children.has(pair.name)) continue;
        this.count(pair.nodes);
        children.set(pair.name, pair.located);
        value[pair.name] = copy(pair.value);
      }
    }
  }

  /** Reads `*name` at `at`, hands the anchor to `use`, and returns the offset after the name. */
  private aliasName(at: number, end: number, use: (anchor: Parsed & { readonly nodes: number }) => void): number {
    let i = at + 1;
    while (i < end && isAnchorCode(this.text.charCodeAt(i))) i++;
    const anchor = this.anchors.get(this.text.slice(at + 1, i));
    if (i === at + 1 || !anchor) outside();
    use(anchor!);
    return i;
  }

  /** An alias value `*name`: the anchored value again (a copy), located at the alias. */
  private alias(at: number, end: number): Parsed & { next: number } {
    let target: (Parsed & { readonly nodes: number }) | undefined;
    const next = this.aliasName(at, end, (anchor) => (target = anchor));
    this.count(target!.nodes);
    return { value: copy(target!.value), located: { start: at, end: next, key: -1, children: target!.located.children }, next };
  }

  /** `&name` at `at` (then a space or the line's end): records the name, returns where the value starts. */
  private anchorName(at: number, end: number): { name: string; next: number } {
    let i = at + 1;
    while (i < end && isAnchorCode(this.text.charCodeAt(i))) i++;
    if (i === at + 1 || (i < end && this.text.charCodeAt(i) !== 32)) outside();
    const name = this.text.slice(at + 1, i);
    if (this.anchors.has(name)) outside();
    return { name, next: this.skipSpaces(i, end) };
  }

  private define(name: string, parsed: Parsed, nodes: number): void {
    if (this.anchors.has(name)) outside();
    this.anchors.set(name, { ...parsed, nodes });
  }

  /** A key the full path reads the same: starts with a word character, a string in the core schema, not too long, new. */
  private checkKey(key: string, length: number, seen: ReadonlyMap<string, Located>): void {
    if (length > MAX_KEY_LENGTH || !isWordCode(key.charCodeAt(0)) || resolvePlain(key) !== key || key === "__proto__" || seen.has(key)) outside();
  }

  /** The offset of the colon ending a plain key at `at` (followed by a space or the line's end), else -1. */
  private keyEnd(at: number, end: number): number {
    let i = at;
    while (i < end && isKeyCode(this.text.charCodeAt(i))) i++;
    if (i === at || i >= end || this.text.charCodeAt(i) !== 58) return -1;
    return i + 1 === end || this.text.charCodeAt(i + 1) === 32 ? i : -1;
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

  /**
   * A value that starts at `at`: a plain or quoted scalar or a flow collection, all on this line, or
   * a literal block scalar on the lines below, indented more than `parent` (the key's or dash's column).
   */
  private inline(at: number, end: number, parent: number): Parsed {
    const char = this.text[at]!;
    if (char === "|") return this.literal(at, end, parent);
    if (char === "[" || char === "{") {
      const flow = char === "[" ? this.flowSequence(at, end) : this.flowMap(at, end);
      this.rest(flow.next, end);
      return flow;
    }
    if (char === '"' || char === "'") {
      const close = this.quotedEnd(at, end);
      this.rest(close + 1, end);
      return scalar(this.text.slice(at + 1, close), at, close + 1);
    }
    this.plainStart(at, end);
    // A plain scalar ends at " #" (a comment); trailing spaces are not part of it.
    let stop = at + 1;
    while (stop < end && !(this.text[stop] === "#" && this.text.charCodeAt(stop - 1) === 32)) stop++;
    while (stop > at && this.text.charCodeAt(stop - 1) === 32) stop--;
    const raw = this.text.slice(at, stop);
    if (raw.includes(": ") || raw.endsWith(":")) outside();
    return scalar(resolvePlain(raw), at, stop);
  }

  /**
   * A literal block scalar, `|` (one final newline) or `|-` (none), with its lines. Declined: `|+`,
   * indentation indicators, lines of spaces only, and lines indented between the key and the content.
   */
  private literal(header: number, end: number, parent: number): { value: unknown; located: Located } {
    let i = header + 1;
    const strip = this.text[i] === "-";
    if (strip) i++;
    this.rest(i, end);
    let indent = -1;
    let last = -1;
    for (let line = this.line; line < this.ends.length; line++) {
      const start = this.lineStarts[line]!;
      const lineEnd = this.ends[line]!;
      if (start === lineEnd) continue;
      const first = this.skipSpaces(start, lineEnd);
      if (first === lineEnd) outside();
      const column = first - start;
      if (indent < 0) {
        if (column <= parent) outside();
        indent = column;
      }
      if (column < indent) {
        if (column > parent) outside();
        break;
      }
      last = line;
    }
    if (last < 0) outside();
    const lines: string[] = [];
    for (let line = this.line; line <= last; line++) {
      const start = this.lineStarts[line]!;
      const lineEnd = this.ends[line]!;
      lines.push(start === lineEnd ? "" : this.text.slice(start + indent, lineEnd));
    }
    const close = last + 1 < this.lineStarts.length ? this.lineStarts[last + 1]! : this.text.length;
    this.line = last + 1;
    return scalar(`${lines.join("\n")}${strip ? "" : "\n"}`, header, close);
  }

  /** A one-line flow sequence: `[a, "b", 3, [c], { d: e }]`; `next` is the offset after its "]". */
  private flowSequence(open: number, end: number): Parsed & { next: number } {
    const value: unknown[] = [];
    const children: Located[] = [];
    let i = this.skipSpaces(open + 1, end);
    if (this.text[i] === "]" && i < end) return { value, located: { start: open, end: i + 1, key: -1, children }, next: i + 1 };
    for (;;) {
      const item = this.flowItem(i, end, "]");
      this.count();
      value.push(item.value);
      children.push(item.located);
      i = this.skipSpaces(item.next, end);
      if (this.text[i] === "]" && i < end) break;
      if (this.text[i] !== "," || i >= end) outside();
      i = this.skipSpaces(i + 1, end);
      if (i >= end || this.text[i] === "]" || this.text[i] === ",") outside();
    }
    return { value, located: { start: open, end: i + 1, key: -1, children }, next: i + 1 };
  }

  /** A one-line flow mapping with plain keys: `{ a: b, c: [d] }`; `next` is the offset after its "}". */
  private flowMap(open: number, end: number): Parsed & { next: number } {
    const value: Record<string, unknown> = {};
    const children = new Map<string, Located>();
    const pairs: Pair[] = [];
    let merges: readonly Parsed[] | null = null;
    let i = this.skipSpaces(open + 1, end);
    if (this.text[i] === "}" && i < end) return { value, located: { start: open, end: i + 1, key: -1, children }, pairs, next: i + 1 };
    for (;;) {
      const keyStart = i;
      if (this.text.startsWith("<<: ", i)) {
        if (merges) outside();
        const sources: Parsed[] = [];
        i = this.skipSpaces(i + 4, end);
        if (this.text[i] !== "*") outside();
        i = this.aliasName(i, end, (anchor) => sources.push(anchor));
        for (const source of sources) if (!source.pairs) outside();
        merges = sources;
        i = this.skipSpaces(i, end);
        if (this.text[i] === "}" && i < end) break;
        if (this.text[i] !== "," || i >= end) outside();
        i = this.skipSpaces(i + 1, end);
        if (i >= end || this.text[i] === "}" || this.text[i] === ",") outside();
        continue;
      }
      while (i < end && isKeyCode(this.text.charCodeAt(i))) i++;
      if (i === keyStart || i + 1 >= end || this.text.charCodeAt(i) !== 58 || this.text.charCodeAt(i + 1) !== 32) outside();
      const key = this.text.slice(keyStart, i);
      this.checkKey(key, i - keyStart, children);
      const at = this.skipSpaces(i + 1, end);
      if (at >= end || this.text[at] === "," || this.text[at] === "}") outside();
      const before = this.nodes;
      const item = this.flowItem(at, end, "}");
      this.count();
      item.located.key = keyStart;
      children.set(key, item.located);
      value[key] = item.value;
      pairs.push({ name: key, value: item.value, located: item.located, nodes: this.nodes - before });
      i = this.skipSpaces(item.next, end);
      if (this.text[i] === "}" && i < end) break;
      if (this.text[i] !== "," || i >= end) outside();
      i = this.skipSpaces(i + 1, end);
      if (i >= end || this.text[i] === "}" || this.text[i] === ",") outside();
    }
    if (merges) this.merge(merges, value, children);
    return { value, located: { start: open, end: i + 1, key: -1, children }, pairs, next: i + 1 };
  }

  /** One item of a flow collection closed by `closer`: a nested collection, a quoted or a plain scalar. */
  private flowItem(at: number, end: number, closer: "]" | "}"): Parsed & { next: number } {
    const char = this.text[at];
    if (char === "[") return this.flowSequence(at, end);
    if (char === "{") return this.flowMap(at, end);
    if (char === "*") return this.alias(at, end);
    if (char === '"' || char === "'") {
      const close = this.quotedEnd(at, end);
      return { ...scalar(this.text.slice(at + 1, close), at, close + 1), next: close + 1 };
    }
    this.plainStart(at, end);
    let i = at;
    while (i < end && this.text[i] !== "," && this.text[i] !== closer) {
      const c = this.text[i]!;
      // ":" belongs to a flow scalar only before a character that cannot end it (node:20, http://x).
      if (c === ":" ? i + 1 >= end || " ,[]{}".includes(this.text[i + 1]!) : "[]{}#'\"".includes(c)) outside();
      i++;
    }
    let stop = i;
    while (stop > at && this.text.charCodeAt(stop - 1) === 32) stop--;
    return { ...scalar(resolvePlain(this.text.slice(at, stop)), at, stop), next: i };
  }

  private skipSpaces(from: number, end: number): number {
    let i = from;
    while (i < end && this.text.charCodeAt(i) === 32) i++;
    return i;
  }

  /** The closing quote of a quoted scalar without escapes on this line. */
  private quotedEnd(open: number, end: number): number {
    const quote = this.text[open]!;
    const close = this.text.indexOf(quote, open + 1);
    if (close < 0 || close >= end) outside();
    if (quote === "'" && this.text[close + 1] === "'") outside();
    if (quote === '"' && this.text.slice(open + 1, close).includes("\\")) outside();
    return close;
  }

  /** A plain scalar starts with a letter, digit or one of a few safe characters ("-" only before a letter or digit). */
  private plainStart(at: number, end: number): void {
    if (at >= end) outside();
    const char = this.text[at]!;
    if (char === "-" ? !ALNUM.test(this.text[at + 1] ?? "") : !PLAIN_START.test(char)) outside();
  }

  /** After a value on its line: only spaces, then optionally a comment that a space separates. */
  private rest(from: number, end: number): void {
    const i = this.skipSpaces(from, end);
    if (i < end && (this.text[i] !== "#" || i === from)) outside();
  }
}

function scalar(value: unknown, start: number, end: number): { value: unknown; located: Located } {
  return { value, located: { start, end, key: -1, children: null } };
}

/** A plain scalar's value in the YAML 1.2 core schema, tested in the order `yaml` tests its tags. */
function resolvePlain(raw: string): unknown {
  const first = raw.charCodeAt(0);
  // Only these can start a null, boolean or number; everything else is a string.
  const maybeTyped = (first >= 48 && first <= 57) || "~nNtTfF+-.".includes(raw[0] ?? "");
  if (!maybeTyped) return raw;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(raw)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(raw)) return raw[0] === "t" || raw[0] === "T";
  if (/^0o[0-7]+$/.test(raw)) return Number.parseInt(raw.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(raw)) return Number.parseInt(raw, 10);
  if (/^0x[0-9a-fA-F]+$/.test(raw)) return Number.parseInt(raw.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(raw)) {
    return raw.slice(-3).toLowerCase() === "nan" ? Number.NaN : raw[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(raw)) return Number.parseFloat(raw);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(raw)) return Number.parseFloat(raw);
  return raw;
}
