/**
 * YAML text to plain data plus positions, read by `yaml` alone (one reader, so there is no second
 * reading of the same text to disagree with it) with a LineCounter, whose node tree we then walk ourselves (instead of `toJS`) so that every value, even one reached through an alias or a
 * merge key, keeps the position of the node it came from, found by its path in the document.
 */
import YAML, { type Alias, type Document, type Node, type Pair } from "yaml";
import { error, warning, type Diagnostic } from "../diagnostic.ts";
import type { PlanPath } from "../draft.ts";
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import { MAX_NESTING, nestingPastLimit } from "./nesting-limit.ts";
import { setOwn } from "./values.ts";

export interface LocatedDocument {
  /** Plain data: objects, arrays and scalars, with aliases and merge keys resolved. */
  readonly value: unknown;
  /** Where the value at a document path starts. */
  node(path: PlanPath): SourceLocation | undefined;
  /** Where the mapping key that holds the value at a path starts. */
  key(path: PlanPath): SourceLocation | undefined;
  /** Where `needle` (its `occurrence`-th copy, from 0) sits in the source of the node at a path. */
  find(path: PlanPath, needle: string, occurrence: number): SourceLocation | undefined;
  /** `node` and `key` as source offsets, for tables that turn only the few offsets looked up into locations. */
  nodeOffset(path: PlanPath): number | undefined;
  keyOffset(path: PlanPath): number | undefined;
  /** The location of a source offset. */
  at(offset: number): SourceLocation;
}

export interface ParsedYaml {
  readonly document: LocatedDocument | null;
  readonly diagnostics: Diagnostic[];
}

/** Enough for any real pipeline; an "alias bomb" stops here instead of filling memory. */
const MAX_NODES = 200_000;

export function parseYaml(text: string, file: string): ParsedYaml {
  const deep = nestingPastLimit(text);
  if (deep >= 0) {
    const message = `the document nests deeper than ${MAX_NESTING} levels`;
    return { document: null, diagnostics: [error("yaml-syntax", message, offsetLocation(text, deep, file), "a pipeline needs a few levels; check for unclosed [ or {")] };
  }
  const lineCounter = new YAML.LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  let doc: Document.Parsed;
  try {
    // uniqueKeys: false, because `yaml` finds duplicates by scanning each mapping for each key (quadratic
    // in a mapping's size) and the walk below finds them in one pass and reports them better.
    doc = YAML.parseDocument(text, { merge: true, lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (cause) {
    return { document: null, diagnostics: [error("yaml-syntax", `cannot parse YAML: ${String(cause)}`, { file, line: 1, column: 1 })] };
  }
  const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY");
  for (const e of syntax) diagnostics.push(error("yaml-syntax", plainMessage(e.message), at(e.pos[0])));
  for (const w of doc.warnings) diagnostics.push(warning("yaml-syntax", plainMessage(w.message), at(w.pos[0])));
  if (syntax.length > 0) return { document: null, diagnostics };

  const walker = new Walker(doc, diagnostics, at);
  const value = walker.walk(doc.contents);
  if (walker.aborted || walker.broken) return { document: null, diagnostics };
  // Positions are found on demand by following a path down the node tree (asked for each job's and
  // step's source and each diagnostic), not kept for every node of a file that may have 100,000.
  const nodeAt = (path: PlanPath) => walker.locate(path)?.node;
  const keyAt = (path: PlanPath) => walker.locate(path)?.keyOffset;
  return {
    diagnostics,
    document: {
      value,
      node: (path) => {
        const range = nodeAt(path)?.range;
        return range ? at(range[0]) : undefined;
      },
      key: (path) => {
        const offset = keyAt(path);
        return offset === undefined ? undefined : at(offset);
      },
      nodeOffset: (path) => nodeAt(path)?.range?.[0],
      keyOffset: keyAt,
      at,
      find: (path, needle, occurrence) => {
        const range = nodeAt(path)?.range;
        if (!range) return undefined;
        let index = range[0] - 1;
        for (let n = 0; n <= occurrence; n++) {
          index = text.indexOf(needle, index + 1);
          if (index < 0 || index >= range[1]) return undefined;
        }
        return at(index);
      },
    },
  };
}

function offsetLocation(text: string, offset: number, file: string): SourceLocation {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { file, line, column: offset - start + 1 };
}

/** `yaml` appends " at line L, column C:" and a code frame; the location and frame are rendered by us. */
function plainMessage(message: string): string {
  const cut = message.search(/ at line \d+, column \d+/);
  return cut < 0 ? message.trim() : message.slice(0, cut).trim();
}

class Walker {
  aborted = false;
  /** Set by a problem that makes the data meaningless to check further (an alias without its anchor). */
  broken = false;
  private count = 0;
  private readonly active = new Set<Node>();
  private readonly reported = new WeakSet<Node>();
  /**
   * What each alias refers to, found in one pass. `Alias.resolve(doc)` answers the same (the last node
   * with that anchor before the alias, in document order) but walks the whole document per alias.
   */
  private targets: Map<Alias, Node | undefined> | undefined;
  /** What a mapping's merge keys bring in, as the walk resolved them (only mappings with a `<<`). */
  private readonly merged = new Map<Node, Entry[]>();
  /** Each mapping's entries by key name, built when a lookup first passes through it. */
  private readonly entries = new Map<Node, Map<string, Entry>>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly diagnostics: Diagnostic[],
    private readonly at: (offset: number) => SourceLocation,
  ) {}

  walk(node: unknown): unknown {
    if (this.aborted || node === null || node === undefined) return null;
    if (++this.count > MAX_NODES) return this.abort(`the document expands to more than ${MAX_NODES} nodes (too many aliases?)`, node);
    if (YAML.isAlias(node)) {
      const target = this.resolve(node);
      if (!target) {
        this.broken = true;
        this.diagnostics.push(error("yaml-syntax", `alias *${node.source} refers to no anchor &${node.source} defined before it`, this.where(node)));
        return null;
      }
      if (this.active.has(target)) return this.abort(`alias *${node.source} refers to a node that contains it`, node);
      return this.walk(target);
    }
    if (!YAML.isNode(node)) return null;
    if (YAML.isScalar(node)) return node.value;
    this.active.add(node);
    try {
      // `!!omap` is a mapping whose keys keep their order, as every mapping here does; `!!pairs` allows
      // repeated keys, which nothing in a pipeline means, so it is an error where it is written.
      if (node.tag === "tag:yaml.org,2002:omap" && YAML.isSeq(node)) return this.walkMap(node.items as unknown as Pair[], node);
      if (node.tag === "tag:yaml.org,2002:pairs") {
        this.broken = true;
        this.diagnostics.push(error("schema", "!!pairs (a list of key-value pairs that may repeat keys) has no meaning in a pipeline", this.where(node), "write a plain mapping"));
        return null;
      }
      if (YAML.isSeq(node)) return node.items.map((item) => this.walk(item));
      if (YAML.isMap(node)) return this.walkMap(node.items, node);
      return null;
    } finally {
      this.active.delete(node);
    }
  }

  private walkMap(pairs: readonly Pair[], owner: Node): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const first = new Map<string, number>();
    const set = (name: string, value: unknown) => setOwn(out, name, value);
    for (const pair of pairs) {
      if (isMergeKey(pair.key)) continue;
      const name = this.keyName(pair.key);
      if (name === undefined) continue;
      const offset = YAML.isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
      const seen = first.get(name);
      if (seen !== undefined) {
        if (!this.reported.has(owner)) {
          const { line } = this.at(seen);
          this.diagnostics.push(error("yaml-duplicate-key", `duplicate key "${name}": it is already set on line ${line}`, this.at(offset), "remove one of the two"));
        }
        continue;
      }
      first.set(name, offset);
      set(name, pair.value === null ? null : this.walk(pair.value));
    }
    // Merge keys (`<<: *defaults`, `<<: [*a, *b]`): explicit keys win, then earlier sources win, and a
    // source's own merge keys count as its keys (YAML 1.1 merge, as `yaml` with `merge: true` reads it).
    const merged: Entry[] = [];
    for (const pair of pairs) {
      if (!isMergeKey(pair.key)) continue;
      for (const { key, value } of this.mergedPairs(pair.value)) {
        const name = this.keyName(key);
        if (name === undefined || first.has(name)) continue;
        const keyOffset = YAML.isNode(key) ? (key.range?.[0] ?? 0) : 0;
        first.set(name, keyOffset);
        merged.push({ name, keyOffset, node: YAML.isNode(value) ? value : undefined });
        set(name, this.walk(value));
      }
    }
    if (merged.length > 0 && !this.merged.has(owner)) this.merged.set(owner, merged);
    this.reported.add(owner);
    return out;
  }

  /**
   * The node at a document path (an alias where the value came through one) and the offset of the
   * mapping key that holds it: where the walk found each value, found again by following the path.
   */
  locate(path: PlanPath): { node: Node | undefined; keyOffset: number | undefined } | undefined {
    let node: Node | undefined = YAML.isNode(this.doc.contents) ? this.doc.contents : undefined;
    let keyOffset: number | undefined;
    for (const segment of path) {
      const container = YAML.isAlias(node) ? this.resolve(node) : node;
      if (YAML.isMap(container) || (YAML.isSeq(container) && container.tag === "tag:yaml.org,2002:omap")) {
        const entry = this.entriesOf(container).get(String(segment));
        if (!entry) return undefined;
        node = entry.node;
        keyOffset = entry.keyOffset;
      } else if (YAML.isSeq(container)) {
        const item: unknown = container.items[typeof segment === "number" ? segment : INDEX.test(segment) ? Number(segment) : -1];
        node = YAML.isNode(item) ? item : undefined;
        keyOffset = undefined;
      } else return undefined;
      if (node === undefined && keyOffset === undefined) return undefined;
    }
    return { node, keyOffset };
  }

  /** A mapping's values by key name as `walkMap` reads them: the first of repeated keys, then what merge keys bring. */
  private entriesOf(owner: Node & { items: unknown[] }): Map<string, Entry> {
    let entries = this.entries.get(owner);
    if (entries) return entries;
    entries = new Map();
    for (const pair of owner.items as Pair[]) {
      if (isMergeKey(pair.key)) continue;
      const name = nameOf(pair.key);
      if (name === undefined || entries.has(name)) continue;
      const keyOffset = YAML.isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
      // A key without a value (`key:` in a flow mapping) is located at the key.
      const node = pair.value === null ? (pair.key as Node) : YAML.isNode(pair.value) ? pair.value : undefined;
      entries.set(name, { name, keyOffset, node });
    }
    for (const entry of this.merged.get(owner) ?? []) if (!entries.has(entry.name)) entries.set(entry.name, entry);
    this.entries.set(owner, entries);
    return entries;
  }

  /** The pairs a merge key's value brings in, its sources in order, each with its own merges expanded. */
  private mergedPairs(value: unknown): Pair[] {
    const out: Pair[] = [];
    const sources = YAML.isSeq(value) ? value.items : [value];
    for (const source of sources) {
      const target = YAML.isAlias(source) ? this.resolve(source) : source;
      if (!YAML.isMap(target)) {
        this.diagnostics.push(error("schema", "a merge key (<<) takes a mapping or a list of mappings", this.where(source)));
        continue;
      }
      if (this.active.has(target)) {
        this.abort("a merge key (<<) refers to a mapping that contains it", source);
        return out;
      }
      this.active.add(target);
      try {
        // Within a source, too, its own keys win over what it merges, wherever its `<<` is written.
        const own = target.items.filter((pair) => !isMergeKey(pair.key));
        const merges = target.items.filter((pair) => isMergeKey(pair.key));
        out.push(...own);
        for (const pair of merges) out.push(...this.mergedPairs(pair.value));
      } finally {
        this.active.delete(target);
      }
      this.count += out.length;
      if (this.count > MAX_NODES) {
        this.abort(`the document expands to more than ${MAX_NODES} nodes (too many aliases?)`, source);
        return [];
      }
    }
    return out;
  }

  private resolve(alias: Alias): Node | undefined {
    if (!this.targets) {
      const targets = new Map<Alias, Node | undefined>();
      const anchored = new Map<string, Node>();
      YAML.visit(this.doc, {
        Node: (_key, node) => {
          if (YAML.isAlias(node)) targets.set(node, anchored.get(node.source));
          else if (node.anchor) anchored.set(node.anchor, node);
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  private keyName(key: unknown): string | undefined {
    const name = nameOf(key);
    if (name !== undefined) return name;
    this.diagnostics.push(error("schema", "a mapping key must be a plain string", this.where(key)));
    return undefined;
  }

  private where(node: unknown): SourceLocation | null {
    return YAML.isNode(node) && node.range ? this.at(node.range[0]) : null;
  }

  private abort(message: string, node: unknown): null {
    if (!this.aborted) this.diagnostics.push(error("yaml-syntax", message, this.where(node)));
    this.aborted = true;
    return null;
  }
}

/** A mapping's value under one key: its node (undefined for a merged key without a value) and where the key starts. */
interface Entry {
  readonly name: string;
  readonly keyOffset: number;
  readonly node: Node | undefined;
}

/** A sequence index as a path segment may spell it ("0", "12"), as `pathKey` would join it. */
const INDEX = /^(0|[1-9][0-9]*)$/;

/** A mapping key's name: a scalar's text ("" for a null key), undefined for a key that is not a plain scalar. */
function nameOf(key: unknown): string | undefined {
  if (YAML.isScalar(key) && (typeof key.value === "string" || typeof key.value === "number" || typeof key.value === "boolean")) return String(key.value);
  if (YAML.isScalar(key) && key.value === null) return "";
  return undefined;
}

function isMergeKey(key: unknown): boolean {
  if (!YAML.isScalar(key)) return false;
  const value: unknown = key.value;
  return (typeof value === "symbol" && value.description === "<<") || (value === "<<" && key.type === "PLAIN");
}
