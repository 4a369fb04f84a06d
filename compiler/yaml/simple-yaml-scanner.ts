/**
 * The line-level half of the simple YAML reader (`simple-yaml.ts`): the text's line tables, the node
 * count, anchors and aliases, keys, and the values that fit on their key's line (plain and quoted
 * scalars, flow collections) or follow it as a literal block. Anything it does not know throws
 * `OutsideSubset`, and the document is read by `yaml` instead.
 */
import { ALNUM, MAX_KEY_LENGTH, PLAIN_START, copy, isAnchorCode, isKeyCode, isWordCode, resolvePlain } from "./simple-yaml-values.ts";

/** Where a value starts (and for scalars, ends), the key that holds it, and its children. */
export interface Located {
  readonly start: number;
  readonly end: number;
  key: number;
  readonly children: Map<string, Located> | Located[] | null;
}

/** A value read, and for a mapping its own key-value pairs (what a merge key copies from it). */
export interface Parsed {
  readonly value: unknown;
  readonly located: Located;
  readonly pairs?: readonly Pair[];
}

/** One key of a mapping: its value, where it is, and how many nodes the full reader's walk counts for it. */
export interface Pair {
  readonly name: string;
  readonly value: unknown;
  readonly located: Located;
  readonly nodes: number;
}

/** Thrown when the text leaves the subset; `readSimpleYaml` catches it and returns null. */
export class OutsideSubset extends Error {}
export const outside = (): never => {
  throw new OutsideSubset();
};

export abstract class SimpleScanner {
  /** Offsets where lines start: 0 and the offset after each newline, as `yaml` counts them. */
  readonly lineStarts: number[] = [0];
  protected readonly ends: number[] = [];
  /** Leading spaces of each line; -1 for a blank or comment-only line. */
  protected readonly indents: number[] = [];
  protected line = 0;
  protected nodes = 0;
  /** Anchored values by name, once complete (an alias inside its own anchor is declined). */
  protected readonly anchors = new Map<string, Parsed & { readonly nodes: number }>();

  constructor(
    protected readonly text: string,
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

  /** The next line with content (skipping blank and comment lines), or -1 at the end. */
  protected next(): number {
    while (this.line < this.indents.length && this.indents[this.line] === -1) this.line++;
    return this.line < this.indents.length ? this.line : -1;
  }

  protected count(nodes = 1): void {
    this.nodes += nodes;
    if (this.nodes > this.maxNodes) outside();
  }

  /**
   * Applies merge keys as the full reader's walk does: after the explicit keys, each source's own pairs
   * in order (a source's merge keys are not followed), keeping keys already set, values copied.
   */
  protected merge(sources: readonly Parsed[], value: Record<string, unknown>, children: Map<string, Located>): void {
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
  protected aliasName(at: number, end: number, use: (anchor: Parsed & { readonly nodes: number }) => void): number {
    let i = at + 1;
    while (i < end && isAnchorCode(this.text.charCodeAt(i))) i++;
    const anchor = this.anchors.get(this.text.slice(at + 1, i));
    if (i === at + 1 || !anchor) outside();
    use(anchor!);
    return i;
  }

  /** An alias value `*name`: the anchored value again (a copy), located at the alias. */
  protected alias(at: number, end: number): Parsed & { next: number } {
    let target: (Parsed & { readonly nodes: number }) | undefined;
    const next = this.aliasName(at, end, (anchor) => (target = anchor));
    this.count(target!.nodes);
    return { value: copy(target!.value), located: { start: at, end: next, key: -1, children: target!.located.children }, next };
  }

  /** `&name` at `at` (then a space or the line's end): records the name, returns where the value starts. */
  protected anchorName(at: number, end: number): { name: string; next: number } {
    let i = at + 1;
    while (i < end && isAnchorCode(this.text.charCodeAt(i))) i++;
    if (i === at + 1 || (i < end && this.text.charCodeAt(i) !== 32)) outside();
    const name = this.text.slice(at + 1, i);
    if (this.anchors.has(name)) outside();
    return { name, next: this.skipSpaces(i, end) };
  }

  protected define(name: string, parsed: Parsed, nodes: number): void {
    if (this.anchors.has(name)) outside();
    this.anchors.set(name, { ...parsed, nodes });
  }

  /** A key the full path reads the same: starts with a word character, a string in the core schema, not too long, new. */
  protected checkKey(key: string, length: number, seen: ReadonlyMap<string, Located>): void {
    if (length > MAX_KEY_LENGTH || !isWordCode(key.charCodeAt(0)) || resolvePlain(key) !== key || key === "__proto__" || seen.has(key)) outside();
  }

  /** The offset of the colon ending a plain key at `at` (followed by a space or the line's end), else -1. */
  protected keyEnd(at: number, end: number): number {
    let i = at;
    while (i < end && isKeyCode(this.text.charCodeAt(i))) i++;
    if (i === at || i >= end || this.text.charCodeAt(i) !== 58) return -1;
    return i + 1 === end || this.text.charCodeAt(i + 1) === 32 ? i : -1;
  }

  /**
   * A value that starts at `at`: a plain or quoted scalar or a flow collection, all on this line, or
   * a literal block scalar on the lines below, indented more than `parent` (the key's or dash's column).
   */
  protected inline(at: number, end: number, parent: number): Parsed {
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
  protected literal(header: number, end: number, parent: number): { value: unknown; located: Located } {
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
  protected flowSequence(open: number, end: number): Parsed & { next: number } {
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
  protected flowMap(open: number, end: number): Parsed & { next: number } {
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
  protected flowItem(at: number, end: number, closer: "]" | "}"): Parsed & { next: number } {
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

  protected skipSpaces(from: number, end: number): number {
    let i = from;
    while (i < end && this.text.charCodeAt(i) === 32) i++;
    return i;
  }

  /** The closing quote of a quoted scalar without escapes on this line. */
  protected quotedEnd(open: number, end: number): number {
    const quote = this.text[open]!;
    const close = this.text.indexOf(quote, open + 1);
    if (close < 0 || close >= end) outside();
    if (quote === "'" && this.text[close + 1] === "'") outside();
    if (quote === '"' && this.text.slice(open + 1, close).includes("\\")) outside();
    return close;
  }

  /** A plain scalar starts with a letter, digit or one of a few safe characters ("-" only before a letter or digit). */
  protected plainStart(at: number, end: number): void {
    if (at >= end) outside();
    const char = this.text[at]!;
    if (char === "-" ? !ALNUM.test(this.text[at + 1] ?? "") : !PLAIN_START.test(char)) outside();
  }

  /** After a value on its line: only spaces, then optionally a comment that a space separates. */
  protected rest(from: number, end: number): void {
    const i = this.skipSpaces(from, end);
    if (i < end && (this.text[i] !== "#" || i === from)) outside();
  }
}

export function scalar(value: unknown, start: number, end: number): { value: unknown; located: Located } {
  return { value, located: { start, end, key: -1, children: null } };
}

