/**
 * GitLab's expanded form, as `gitlab-ci-local --preview` shows it: local `include`s merged under the
 * file, `extends` resolved (deep merge, lists replaced), `!reference` tags replaced, and `default:`
 * (and the old top-level image, services, cache, before_script, after_script) given to every job
 * that does not set its own. Anchors were resolved by the YAML reader.
 */
import { posix } from "node:path";
import type { ImportDiagnostics, Where } from "../diagnostics.ts";
import { isMap, isReference, linesKey, readSourceYaml, type Lines } from "../source-yaml.ts";

type Doc = Record<string, unknown>;


export interface ExpandedJob {
  readonly name: string;
  readonly def: Doc;
  readonly where: Where;
  /** The line of one of the job's own keys, else the job's line. */
  lineOf(...path: (string | number)[]): number;
}

export interface ExpandedGitlab {
  readonly top: Doc;
  /** TODOs of the whole file (includes read without their rules, a spec header). */
  readonly todos: readonly string[];
  readonly jobs: readonly ExpandedJob[];
  lineOfTop(...path: (string | number)[]): number;
}

/** Reads a local include, relative to the project root; null when it does not exist. */
export type ReadLocal = (path: string) => string | null;

export const RESERVED = new Set(["image", "services", "stages", "types", "before_script", "after_script", "variables", "cache", "include", "default", "workflow", "spec"]);
const DEFAULT_KEYS = ["image", "services", "cache", "before_script", "after_script", "retry", "timeout", "artifacts", "interruptible", "tags", "hooks", "id_tokens"] as const;
const LEGACY_DEFAULTS = ["image", "services", "cache", "before_script", "after_script"] as const;
const MAX_INCLUDES = 150;

interface Loaded {
  readonly file: string;
  readonly data: Doc;
  readonly lines: Lines;
}

export function expandGitlab(file: string, text: string, readLocal: ReadLocal, diagnostics: ImportDiagnostics): ExpandedGitlab | null {
  const files: Loaded[] = [];
  const todos: string[] = [];
  const main = load(file, text, diagnostics, todos);
  if (!main) return null;
  const seen = new Set<string>([file]);
  const collect = (from: Loaded, depth: number) => {
    for (const { path, line } of includesOf(from, diagnostics, todos)) {
      if (seen.has(path) || seen.size > MAX_INCLUDES || depth > 100) continue;
      seen.add(path);
      const included = readLocal(path);
      if (included === null) {
        diagnostics.fail("load-failed", { file: from.file, line }, `include ${path} does not exist`, "include files of this project, with paths from the project root");
        continue;
      }
      const loaded = load(path.replace(/^\//, ""), included, diagnostics, todos);
      if (!loaded) continue;
      collect(loaded, depth + 1);
      files.push(loaded);
    }
  };
  collect(main, 0);
  files.push(main);
  if (diagnostics.failed) return null;

  // Later files win: includes first, then the file itself. Hashes merge deeply, like GitLab's.
  let merged: Doc = {};
  const origin = new Map<string, Loaded>();
  for (const loaded of files) {
    const { include: _, ...rest } = loaded.data;
    merged = deepMerge(merged, rest);
    for (const key of Object.keys(rest)) origin.set(key, loaded);
  }
  const byName = merged;
  const resolved = new Map<string, Doc>();
  const resolving = new Set<string>();
  const resolveExtends = (name: string, def: Doc, depth: number): Doc => {
    const done = resolved.get(name);
    if (done) return done;
    const parents = def.extends === undefined ? [] : Array.isArray(def.extends) ? def.extends.map(String) : [String(def.extends)];
    let result: Doc = {};
    if (parents.length > 0) {
      resolving.add(name);
      for (const parent of parents) {
        const parentDef = byName[parent];
        const where = whereOf(name, "extends");
        if (!isMap(parentDef)) {
          diagnostics.fail("schema", where, `job "${name}" extends "${parent}", which is not defined`, "define it (a hidden job like .template is fine) or include the file that does");
          continue;
        }
        if (resolving.has(parent) || depth > 11) {
          diagnostics.fail("schema", where, `job "${name}" extends "${parent}" in a loop (or more than 11 levels deep)`, "remove the loop");
          continue;
        }
        result = deepMerge(result, resolveExtends(parent, parentDef, depth + 1));
      }
      resolving.delete(name);
    }
    const { extends: _, ...own } = def;
    result = deepMerge(result, own);
    resolved.set(name, result);
    return result;
  };

  const whereOf = (name: string, ...path: (string | number)[]): Where => {
    const loaded = origin.get(name) ?? main;
    const line = loaded.lines.get(linesKey([name, ...path])) ?? loaded.lines.get(linesKey([name])) ?? 1;
    return { file: loaded.file, line };
  };

  const top: Doc = {};
  for (const key of Object.keys(merged)) if (RESERVED.has(key)) top[key] = merged[key];
  const defaults: Doc = { ...(isMap(top.default) ? top.default : {}) };
  for (const key of LEGACY_DEFAULTS) if (top[key] !== undefined && defaults[key] === undefined) defaults[key] = top[key];

  const jobs: ExpandedJob[] = [];
  for (const [name, value] of Object.entries(merged)) {
    if (RESERVED.has(name) || name.startsWith(".")) continue;
    if (!isMap(value)) {
      diagnostics.fail("schema", whereOf(name), `"${name}" is not a job: a job is a mapping with a script`, "indent the job's keys under its name");
      continue;
    }
    let def = resolveExtends(name, value, 0);
    def = resolveReferences(def, merged, (message) => diagnostics.fail("schema", whereOf(name), message, "!reference names a job (or hidden job) and keys in it"), 0) as Doc;
    const inherit = def.inherit;
    const inheritDefault = isMap(inherit) ? inherit.default : undefined;
    for (const key of DEFAULT_KEYS) {
      const wanted = inheritDefault === undefined || inheritDefault === true || (Array.isArray(inheritDefault) && inheritDefault.includes(key));
      if (def[key] === undefined && defaults[key] !== undefined && wanted) def = { ...def, [key]: resolveReferences(defaults[key], merged, () => {}, 0) };
    }
    const loaded = origin.get(name) ?? main;
    const base = whereOf(name);
    jobs.push({ name, def, where: base, lineOf: (...path) => loaded.lines.get(linesKey([name, ...path])) ?? base.line });
  }
  return {
    top: resolveReferences(top, merged, () => {}, 0) as Doc,
    todos,
    jobs,
    lineOfTop: (...path) => main.lines.get(linesKey(path)) ?? 1,
  };
}

function load(file: string, text: string, diagnostics: ImportDiagnostics, todos: string[]): Loaded | null {
  const read = readSourceYaml(text);
  if (!read.ok) {
    diagnostics.fail("yaml-syntax", { file, line: read.line }, `not YAML: ${read.message}`, "fix the YAML (a linter such as yamllint shows the spot)");
    return null;
  }
  if (isMap(read.header) && read.header.spec !== undefined) {
    todos.push(diagnostics.todo({ file, line: 1 }, "spec: (inputs of a CI component or included file) was not carried over; $[[ inputs.* ]] stays as written", "write the values in"));
  }
  if (read.data === null || read.data === undefined) return { file, data: {}, lines: read.lines };
  if (!isMap(read.data)) {
    diagnostics.fail("schema", { file, line: 1 }, "not a GitLab CI file: the top level is not a mapping of jobs", "import a .gitlab-ci.yml");
    return null;
  }
  return { file, data: read.data, lines: read.lines };
}

/** The local paths a file includes; other kinds (remote, template, project, component) fail the import. */
function includesOf(loaded: Loaded, diagnostics: ImportDiagnostics, todos: string[]): { path: string; line: number }[] {
  const raw = loaded.data.include;
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const out: { path: string; line: number }[] = [];
  list.forEach((entry, index) => {
    const line = loaded.lines.get(linesKey(["include", index])) ?? loaded.lines.get(linesKey(["include"])) ?? 1;
    const where = { file: loaded.file, line };
    let path: string | null = null;
    if (typeof entry === "string") {
      if (/^https?:\/\//.test(entry)) {
        diagnostics.fail("load-failed", where, `include ${entry} is remote: pipec import works offline`, "download the file into the project and include it with a local path");
        return;
      }
      path = entry;
    } else if (isMap(entry) && typeof entry.local === "string") {
      if (entry.rules !== undefined) todos.push(diagnostics.todo(where, `include ${entry.local} has rules, which pipec import does not evaluate: the file is included always`));
      if (entry.inputs !== undefined) todos.push(diagnostics.todo(where, `include ${entry.local} has inputs, which pipec import does not interpolate`, "write the values in"));
      path = entry.local;
    } else if (isMap(entry)) {
      const kind = ["remote", "template", "project", "component"].find((k) => entry[k] !== undefined) ?? "unknown";
      diagnostics.fail("load-failed", where, `include of kind "${kind}" (${JSON.stringify(entry[kind] ?? entry)}) needs GitLab or the network: pipec import reads local includes only`, "copy the included file into the project and include it with local:, or run gitlab-ci-local --preview and import its output");
      return;
    }
    if (path === null) return;
    if (/[*?[]/.test(path)) {
      diagnostics.fail("load-failed", where, `include ${path} is a wildcard, which pipec import does not expand`, "list the included files one by one");
      return;
    }
    out.push({ path: posix.normalize(`/${path.replace(/^\.?\//, "")}`), line });
  });
  return out;
}

/** GitLab's merge: hashes merge key by key, everything else (lists included) is replaced. */
export function deepMerge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = out[key];
    out[key] = isMap(before) && isMap(value) && !isReference(value) ? deepMerge(before, value) : value;
  }
  return out;
}

function resolveReferences(value: unknown, all: Doc, fail: (message: string) => void, depth: number): unknown {
  if (depth > 10) return value;
  if (isReference(value)) {
    let target: unknown = all;
    for (const key of value.reference) target = isMap(target) ? target[key] : undefined;
    if (target === undefined) {
      fail(`!reference [${value.reference.join(", ")}] names nothing`);
      return undefined;
    }
    return resolveReferences(target, all, fail, depth + 1);
  }
  if (Array.isArray(value)) {
    // A reference inside a script list splices its lines in.
    return value.flatMap((item) => {
      const resolved = resolveReferences(item, all, fail, depth + 1);
      return isReference(item) && Array.isArray(resolved) ? resolved : [resolved];
    });
  }
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, all, fail, depth + 1)]));
  return value;
}
