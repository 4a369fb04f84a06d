/**
 * The simple reader must answer exactly as the full `yaml` path does wherever it answers: same values,
 * same key order, same positions for every path, and no document the full path has problems with.
 * Checked on every YAML file in the repository, on generated pipelines, and on seeded random documents
 * and mutations of them (most of which it rightly declines).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDag, mulberry32, renderYaml } from "../../../bench/generate.ts";
import type { PlanPath } from "../../../compiler/draft.ts";
import { parseFullYaml, parseYaml, type LocatedDocument } from "../../../compiler/yaml/located-document.ts";
import { readSimpleYaml } from "../../../compiler/yaml/simple-yaml.ts";
import { yaml } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const MAX_NODES = 200_000;

function repositoryYaml(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!name.startsWith(".") && name !== "node_modules" && name !== "dist") walk(path);
      } else if (/\.ya?ml$/.test(name)) out.push([path.slice(ROOT.length + 1), readFileSync(path, "utf8")]);
    }
  };
  for (const dir of ["examples", "test"]) walk(join(ROOT, dir));
  return out;
}

/** Every path in a value, plus paths next to them that do not exist (and "0" for 0), to compare lookups. */
function probePaths(value: unknown): PlanPath[] {
  const paths: PlanPath[] = [];
  const visit = (item: unknown, path: PlanPath): void => {
    paths.push(path, [...path, "missing"], [...path, 0], [...path, "0"], [...path, 7], path.map(String));
    if (Array.isArray(item)) item.forEach((child, index) => visit(child, [...path, index]));
    else if (item !== null && typeof item === "object") for (const [key, child] of Object.entries(item)) visit(child, [...path, key]);
  };
  visit(value, []);
  return paths;
}

function valueAt(value: unknown, path: PlanPath): unknown {
  let current = value;
  for (const segment of path) current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[segment] : undefined;
  return current;
}

/** Deep equality that also compares key order and tells NaN and -0 apart, as later passes would see them. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  return ka.length === kb.length && ka.every((key, i) => key === kb[i] && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Whether the simple reader took the text; when it did, fails the test unless the full path agrees. */
function agrees(text: string): boolean {
  const simple = readSimpleYaml(text, "p.yaml", MAX_NODES);
  if (!simple) return false;
  const full = parseFullYaml(text, "p.yaml");
  expect(full.diagnostics, text).toEqual([]);
  const document = full.document as LocatedDocument;
  expect(sameValue(simple.value, document.value), text).toBe(true);
  for (const path of probePaths(document.value)) {
    expect([simple.node(path), simple.key(path)], `${text}\n${JSON.stringify(path)}`).toEqual([document.node(path), document.key(path)]);
    const value = valueAt(document.value, path);
    if (typeof value !== "string") continue;
    for (const needle of [value, value.slice(0, 1), value.slice(-2), " ", "${{"].filter(Boolean)) {
      for (const occurrence of [0, 1]) expect(simple.find(path, needle, occurrence), `${text}\n${JSON.stringify(path)} ${needle}`).toEqual(document.find(path, needle, occurrence));
    }
  }
  return true;
}

const random = mulberry32(20261124);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const SCALARS = [
  "a", "b c", "echo j0", "node:20", "http://x.y/z", "1", "-1", "+2", "007", "0x1F", "0o17", "1.5", "1.", ".5", "1e3", "-.inf", ".NaN", "~", "null",
  "Null", "true", "False", "yes", "${{ matrix.node }}", "${HOME}/x", "a#b", "a # c", "x:y", "_x", "$x", "(x)", "=x", "+x", "~x", "./a", "/abs",
  "a, b", "a]b", "a{b}", "it's", '"q"', "'s'", '"a b"', "''", '"a\\"b"', "'it''s'", "[a, b]", "[]", "[ ]", "[1, '2', \"3\"]", "[a b, c]", "[a,b]",
  "[a, [b]]", "[a,]", "{a: b}", "- x", "a:", "a: b", "&x y", "*x", "!t x", "@x", "`x`", "%x", "?x", "-", "--x", "-x", "x  ",
  "{ a: b, c: [d, e] }", "{ x: node:20 }", "{ a: 1, a: 2 }", "{ 'a': b }", "{a:b}", "{ a: }", "{ a: b, }", "{ a: {b: c} }", "[{ a: b }, c]",
  "{}", "[a:b]", "[http://x]", "{ a: x:, b: c }", "{ a: b }x", "|", "|-", "|+", "| # c", "|2", "|x",
];
const BLOCK_LINES = ["echo a", "npm test", "# not a comment", "x: y", "${{ matrix.node }} z", "a  b  ", "- item", "[x]"];

/** The lines of a block scalar under a key or dash at `indent`: mostly well indented, sometimes not. */
function blockLines(indent: number): string[] {
  const base = Math.max(0, indent + pick([1, 2, 2, 4, 0, -1]));
  const lines: string[] = [];
  for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) {
    const r = random();
    if (r < 0.1) lines.push("");
    else if (r < 0.13) lines.push("   ");
    else if (r < 0.2) lines.push(`${" ".repeat(Math.max(0, base + pick([1, 2, -1])))}more x: # y`);
    else lines.push(`${" ".repeat(base)}${pick(BLOCK_LINES)}`);
  }
  return lines;
}

/** A scalar after "key:" or "- ", with the lines below it when it is a block scalar header. */
function scalarLines(head: string, indent: number): string[] {
  const value = pick(SCALARS);
  return value.startsWith("|") ? [`${head}${value}`, ...blockLines(indent)] : [`${head}${value}${random() < 0.1 ? " # c" : ""}`];
}
const KEYS = ["a", "b", "name", "jobs", "a.b", "a-b", "a/b", "_x", "x1", "1", "true", "null", "__proto__", "<<", "a b", '"q"', "0x1", "-a"];

function randomMap(indent: number, depth: number, first?: string): string[] {
  const lines: string[] = [];
  for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) {
    const key = random() < 0.9 ? pick(KEYS.slice(0, 9)) + (random() < 0.5 ? String(i) : "") : pick(KEYS);
    const prefix = i === 0 && first !== undefined ? first : " ".repeat(indent);
    const kind = depth > 3 ? 0 : random();
    if (kind < 0.5) lines.push(...scalarLines(`${prefix}${key}: `, indent));
    else if (kind < 0.75) lines.push(`${prefix}${key}:${random() < 0.1 ? " # c" : ""}`, ...randomMap(indent + pick([1, 2, 2, 4]), depth + 1));
    else lines.push(`${prefix}${key}:`, ...randomSequence(indent + pick([0, 1, 2, 2, 4]), depth + 1));
    if (random() < 0.05) lines.push(pick(["", "   ", "# c", "  # deeper"]));
  }
  return lines;
}

function randomSequence(indent: number, depth: number): string[] {
  const lines: string[] = [];
  for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
    const dash = `${" ".repeat(indent)}-${pick([" ", " ", "  "])}`;
    if (random() < 0.4 && depth < 4) lines.push(...randomMap(dash.length, depth + 1, dash));
    else lines.push(...scalarLines(dash, indent));
  }
  return lines;
}

const PIECES = [" ", ":", ": ", "- ", "#", " #", "[", "]", "{", ",", "'", '"', "\n", "\n  ", "&a", "*a", "!", "|", "~", "1", "\\", "?", "<<: ", "---"];
function mutate(text: string): string {
  let out = text;
  for (let edit = 0, n = 1 + Math.floor(random() * 3); edit < n; edit++) {
    const at = Math.floor(random() * (out.length + 1));
    const kind = random();
    if (kind < 0.5) out = out.slice(0, at) + pick(PIECES) + out.slice(at);
    else if (kind < 0.8) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 3));
    else {
      const lines = out.split("\n");
      lines.splice(Math.floor(random() * lines.length), 0, pick(lines));
      out = lines.join("\n");
    }
  }
  return out;
}

describe("the simple YAML reader", () => {
  it("reads generated pipelines, and agrees with yaml on them", () => {
    for (const n of [1, 10, 200]) expect(agrees(renderYaml(generateDag(n, n)))).toBe(true);
  });

  it("agrees with yaml on every YAML file in the repository it takes", () => {
    const files = repositoryYaml();
    expect(files.length).toBeGreaterThan(5);
    for (const [, text] of files) agrees(text);
  });

  it("reads literal block scalars and flow mappings, and agrees with yaml on them", () => {
    const text = yaml`
      name: web
      image: node:20
      global_env: { NODE_ENV: production, URL: "http://x:1/y" }
      jobs:
        build:
          timeout: 10m
          steps:
            - name: build
              script: |
                npm ci

                npm run build -- --mode=\${{ matrix.mode }}
            - |-
              echo done
          artifacts:
            dist: { paths: dist/**, expire_in: 7d }
        test:
          matrix: { node: ["20", "22"], shard: [1, 2] }
          inputs: [build.dist]
          steps: [npm test]
    `;
    expect(agrees(text)).toBe(true);
  });

  it("reads anchors, aliases and merge keys, and agrees with yaml on them", () => {
    const text = yaml`
      name: web
      x-node-job: &node-job
        image: node:20
        timeout: 15m
        retry: { max: 2, when: [infrastructure] }
        environment: &env
          NODE_ENV: test
      x-setup: &setup [npm ci, npm run build]
      jobs:
        build:
          <<: *node-job
          steps: *setup
        test:
          timeout: 20m
          <<: [*node-job]
          environment: *env
          steps:
            - npm ci
            - npm test
        lint: { <<: *node-job, steps: [npm run lint] }
    `;
    expect(agrees(text)).toBe(true);
  });

  it("agrees with yaml on seeded documents with anchors, aliases and merge keys", () => {
    const CLEAN = ["a", "b c", "1", "true", "node:20", "{ p: 1, q: [x, y] }", "[1, 2]", "'s'", '"d"', "~"];
    const cleanMap = (indent: number, depth: number): string[] =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => {
        const line = `${" ".repeat(indent)}k${Math.floor(random() * 4)}${i}:`;
        return depth < 2 && random() < 0.3 ? [line, ...cleanMap(indent + 2, depth + 1)] : [`${line} ${pick(CLEAN)}`];
      }).flat();
    let taken = 0;
    for (let i = 0; i < 1500; i++) {
      const head = [`x-0: &d`, ...cleanMap(2, 1), `x-1: &e ${pick(["{ a: 1, b: [x] }", "v", "[1, 2]"])}`];
      const uses = [
        "u: *d", "u:\n  <<: *d\n  k00: own", "u:\n  k10: own\n  <<: [*d, *e]", "u: { <<: *d, z: 2 }", "u:\n  - *d\n  - x", "u: [*d, *e]",
        "u:\n  - <<: *d\n    k: v", "u: &z { q: *d }\nw: *z", "u:\n  <<: *d\n  <<: *e", "u: *nope", "u: &d again",
      ];
      if (agrees(`${[...head, ...cleanMap(0, 0), pick(uses), pick(uses).replace(/^u/, "v")].join("\n")}\n`)) taken++;
    }
    expect(taken).toBeGreaterThan(300);
  });

  it("declines what it does not know and lets yaml read it", () => {
    const declined = [
      yaml`
        name: p
        x: !tag { b: 1 }
      `,
      "name: p\nx: *undefined\n",
      "name: p\na: &x 1\nb: &x 2\n",
      "name: p\njobs:\n  a:\n    steps: >\n      echo\n",
      "name: p\nscript: |+\n  echo\n",
      "name: p\n\tjobs: x\n",
      "name: p\nname: q\n",
      "name: p\njobs:\n",
      "name: p\nimage: a\n  b\n",
      "name: 'it''s'\n",
      'name: "a\\tb"\n',
      "name: café\n",
      "name: p\r\n",
      "- a\n",
      "",
      "1: a\n",
    ];
    for (const text of declined) {
      expect(readSimpleYaml(text, "p.yaml", MAX_NODES), text).toBeNull();
      const [used, full] = [parseYaml(text, "p.yaml"), parseFullYaml(text, "p.yaml")];
      expect([used.diagnostics, used.document?.value]).toEqual([full.diagnostics, full.document?.value]);
    }
  });

  it("declines a document with more nodes than the limit, so that yaml reports it", () => {
    const text = renderYaml(generateDag(20, 1));
    expect(readSimpleYaml(text, "p.yaml", 50)).toBeNull();
    expect(readSimpleYaml(text, "p.yaml", MAX_NODES)).not.toBeNull();
  });

  it("agrees with yaml on seeded random documents and mutations of them", () => {
    let taken = 0;
    const bases: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = `${randomMap(0, 0).join("\n")}${random() < 0.9 ? "\n" : ""}`;
      bases.push(text);
      if (agrees(text)) taken++;
    }
    for (let i = 0; i < 3000; i++) if (agrees(mutate(pick(bases)))) taken++;
    // Enough of them land in the subset for the comparison to mean something.
    expect(taken).toBeGreaterThan(300);
  });
});
