/**
 * The located document finds a path's node by following the path down the YAML tree when asked. It
 * used to record every node under its path while walking; this keeps that way as a reference and
 * checks that both give the same node and key offsets for every path of every YAML file in the
 * repository and of documents made of the hard cases (aliases, merge keys, `!!omap`, repeats).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML, { type Document, type Node, type Pair } from "yaml";
import { parseYaml } from "../../../compiler/yaml/located-document.ts";
import type { PlanPath } from "../../../compiler/draft.ts";
import { renderErrorYaml } from "../../../bench/error-yaml.ts";
import { yaml } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Every `.yaml`/`.yml` file under the folders that hold pipelines and fixtures. */
function yamlFiles(): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.ya?ml$/.test(entry.name)) out.push(path);
    }
  };
  for (const dir of ["examples", "test"]) visit(join(ROOT, dir));
  return out;
}

interface Eager {
  readonly nodes: Map<string, number | undefined>;
  readonly keys: Map<string, number>;
  readonly paths: Map<string, PlanPath>;
}

/** The former walk: every node's offset and every key's offset under the path it is reached by. */
function eagerLocations(doc: Document.Parsed): Eager {
  const eager: Eager = { nodes: new Map(), keys: new Map(), paths: new Map() };
  const name = (key: unknown): string | undefined => {
    if (YAML.isScalar(key) && (typeof key.value === "string" || typeof key.value === "number" || typeof key.value === "boolean")) return String(key.value);
    return YAML.isScalar(key) && key.value === null ? "" : undefined;
  };
  const isMerge = (key: unknown) => YAML.isScalar(key) && ((typeof key.value === "symbol" && key.value.description === "<<") || (key.value === "<<" && key.type === "PLAIN"));
  const target = (node: unknown) => (YAML.isAlias(node) ? (node.resolve(doc) as Node | undefined) : node);
  const setNode = (path: PlanPath, node: Node) => {
    eager.paths.set(path.join("\u0000"), path);
    eager.nodes.set(path.join("\u0000"), node.range?.[0]);
  };
  const merged = (value: unknown): Pair[] => {
    const out: Pair[] = [];
    for (const source of YAML.isSeq(value) ? value.items : [value]) {
      const map = target(source);
      if (!YAML.isMap(map)) continue;
      out.push(...map.items.filter((pair) => !isMerge(pair.key)));
      for (const pair of map.items.filter((p) => isMerge(p.key))) out.push(...merged(pair.value));
    }
    return out;
  };
  const walk = (node: unknown, path: PlanPath): void => {
    if (YAML.isAlias(node)) {
      walk(target(node), path);
      setNode(path, node);
      return;
    }
    if (!YAML.isNode(node)) return;
    setNode(path, node);
    if (YAML.isSeq(node) && node.tag === "tag:yaml.org,2002:omap") walkMap(node.items as unknown as Pair[], path);
    else if (YAML.isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index]));
    else if (YAML.isMap(node)) walkMap(node.items, path);
  };
  const walkMap = (pairs: readonly Pair[], path: PlanPath) => {
    const first = new Set<string>();
    const child = (key: string, offset: number) => {
      first.add(key);
      eager.keys.set([...path, key].join("\u0000"), offset);
      eager.paths.set([...path, key].join("\u0000"), [...path, key]);
      return [...path, key];
    };
    for (const pair of pairs) {
      const key = isMerge(pair.key) ? undefined : name(pair.key);
      if (key === undefined || first.has(key)) continue;
      const at = child(key, (pair.key as Node).range?.[0] ?? 0);
      if (pair.value === null) setNode(at, pair.key as Node);
      else walk(pair.value, at);
    }
    for (const pair of pairs.filter((p) => isMerge(p.key))) {
      for (const from of merged(pair.value)) {
        const key = name(from.key);
        if (key === undefined || first.has(key)) continue;
        walk(from.value, child(key, (from.key as Node).range?.[0] ?? 0));
      }
    }
  };
  walk(doc.contents, []);
  return eager;
}

function expectSameLocations(text: string): number {
  const { document } = parseYaml(text, "f.yaml");
  if (!document) return 0;
  const eager = eagerLocations(YAML.parseDocument(text, { merge: true, uniqueKeys: false }));
  const differences: unknown[] = [];
  const compare = (path: PlanPath, key: string) => {
    const [node, keyOffset] = [document.nodeOffset(path), document.keyOffset(path)];
    if (node !== eager.nodes.get(key) || keyOffset !== eager.keys.get(key)) differences.push({ path, node, keyOffset, eager: [eager.nodes.get(key), eager.keys.get(key)] });
  };
  for (const [key, path] of eager.paths) {
    compare(path, key);
    compare(path.map(String), key); // a path as `pathKey` spells it, indices as text
  }
  for (const path of [["nope"], ["jobs", "nope", "steps"], ["jobs", 99_999], ["name", "deeper"]]) {
    if (!eager.paths.has(path.join("\u0000"))) compare(path, path.join("\u0000"));
  }
  expect(differences).toEqual([]);
  return eager.paths.size;
}

describe("locations found on demand", () => {
  it("are those the walk used to record, for every YAML file of the repository", () => {
    const files = yamlFiles();
    expect(files.length).toBeGreaterThan(20);
    let paths = 0;
    for (const file of files) paths += expectSameLocations(readFileSync(file, "utf8"));
    expect(paths).toBeGreaterThan(1000);
  });

  it("are those the walk used to record, through aliases, merge keys, !!omap, repeated and empty keys", () => {
    const text = yaml`
      name: p
      x-base: &base
        image: node:20
        environment: &env { A: "1", B: "2" }
        <<: { timeout: 5m, image: ignored }
      x-more: &more
        retry: 2
        empty:
      x-steps: &steps [npm ci, { script: make, name: build }]
      jobs:
        a:
          <<: [*base, *more]
          image: own
          steps: *steps
          image: repeated
        b:
          <<: *base
          environment: *env
          steps: !!omap [{ one: x }, { two: y }]
        3: { steps: [ok], ? complex : key, true: yes, ~: null-key, flow }
    `;
    expect(expectSameLocations(text)).toBeGreaterThan(40);
  });

  it("are those the walk used to record, for the diagnostics benchmark's file", () => {
    expect(expectSameLocations(renderErrorYaml(200, 14_000))).toBeGreaterThan(500);
  });
});
