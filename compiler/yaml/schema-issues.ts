/**
 * zod issues to Diagnostics in plain words, at the exact YAML node:
 * `jobs.build.steps[0].timeout: expected a number of seconds or a duration like "10m", got true`.
 */
import type { z } from "zod";
import { error, type Diagnostic, type DiagnosticCode } from "../diagnostic.ts";
import { pathKey, type PlanPath } from "../draft.ts";
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { PlanInput, SourceLocation } from "../../runtime/plan/schema.ts";
import { labelPath } from "../label.ts";
import { valueAt } from "../plain-data.ts";
import type { LocatedDocument } from "./located-document.ts";

type Issue = z.core.$ZodIssue;

export interface IssueContext {
  readonly schema: z.ZodType;
  readonly document: LocatedDocument;
  readonly file: string;
}

export function issuesToDiagnostics(issues: readonly Issue[], context: IssueContext): Diagnostic[] {
  const flat = issues.flatMap((issue) => flattenUnion(issue, []));
  // `scrpit: make` is one mistake: report the unknown field with its suggestion, not also the missing `script`.
  const suggested = new Set<string>();
  for (const issue of flat) {
    if (issue.code !== "unrecognized_keys") continue;
    const known = objectKeysAt(context.schema, issue.path as PlanPath);
    for (const key of issue.keys) suggested.add(pathKey([...(issue.path as PlanPath), didYouMean(key, known) ?? ""]));
  }
  const isSuggested = (issue: Issue) =>
    (issue.code === "invalid_type" || issue.code === "invalid_union") &&
    valueAt(context.document.value, issue.path as PlanPath) === undefined &&
    suggested.has(pathKey(issue.path as PlanPath));
  return flat.filter((issue) => !isSuggested(issue)).flatMap((issue) => describeIssue(issue, context));
}

/**
 * A union reports every branch. When the input's type picked exactly one branch (a mapping for
 * `string | { ... }`), that branch's own issues are the useful ones; otherwise the union's message is.
 */
export function flattenUnion(issue: Issue, prefix: PlanPath): Issue[] {
  // Read, never changed: an issue outside any union is its own flat form.
  if (prefix.length === 0 && issue.code !== "invalid_union") return [issue];
  const path = [...prefix, ...(issue.path as (string | number)[])];
  if (issue.code !== "invalid_union") return [{ ...issue, path }];
  const matching = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0));
  const only = matching[0];
  if (matching.length === 1 && only) return only.flatMap((inner) => flattenUnion(inner, path));
  return [{ ...issue, path }];
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

/** Field names GitLab CI and GitHub Actions users type first, and the dialect's name for them (said only where that field exists). */
const OTHER_TOOLS_NAMES: Readonly<Record<string, string>> = {
  needs: "depends_on",
  env: "environment",
  variables: "environment",
  run: "script",
  if: "conditional",
  rules: "conditional",
  "timeout-minutes": "timeout",
  "continue-on-error": "allow_failure",
  container: "image",
};

function describeIssue(issue: Issue, { schema, document, file }: IssueContext): Diagnostic[] {
  const path = issue.path as (string | number)[];
  const value = valueAt(document.value, path);
  const where = (code: DiagnosticCode, message: string, location: SourceLocation | undefined, hint?: string) =>
    error(code, message, location ?? nearest(document, path) ?? { file, line: 1, column: 1 }, hint);
  const got = `got ${describeValue(value)}`;
  // Labelled as validation labels the plan (`job "build": step 1 ("compile"): timeout`), so both front ends and both stages read alike.
  const label = (at: PlanPath) => (at.length === 0 ? "pipeline" : labelPath(document.value as PlanInput, at));
  /** A message written in the schema that starts with "is not" reads after the value: `"forever" is not a duration; ...`. */
  const phrase = (message: string) => (message.startsWith("is not ") ? `${describeValue(value)} ${message}` : `${message}, ${got}`);

  switch (issue.code) {
    case "unrecognized_keys": {
      const known = objectKeysAt(schema, path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, known);
        const ours = guess ? undefined : OTHER_TOOLS_NAMES[key];
        const field = path.length === 0 ? `unknown top-level field "${key}"` : `${label(path)}: unknown field "${key}"`;
        const message = `${field}${guess ? `; did you mean "${guess}"?` : ours && known.includes(ours) ? `; pipec calls it "${ours}"` : ""}`;
        // A deployment is not a YAML job field: say where deployments are written instead of listing fields.
        const deployHint = path.length === 2 && path[0] === "jobs" && (key === "deploy" || key === "deployment");
        const hint = deployHint
          ? "deployments are written in TypeScript (deploy.canary(), deploy.blueGreen(), deploy.rolling() in a .pipeline.ts) or in a plan file (jobs.<id>.deploy, see pipec schema)"
          : known.length > 0
            ? `known fields: ${known.join(", ")}`
            : undefined;
        return where("unknown-field", message, document.key([...path, key]), hint);
      });
    }
    case "invalid_key": {
      const inner = issue.issues[0]?.message ?? "not an allowed name";
      const key = String(path[path.length - 1]);
      return [where("schema", `${label(path.slice(0, -1))}: "${key}" is not an allowed name: ${inner}`, document.key(path))];
    }
    case "invalid_type":
    case "invalid_union": {
      const expected = issue.code === "invalid_type" ? `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}` : issue.message === "Invalid input" ? `expected ${unionWords(issue)}` : issue.message;
      if (value === undefined && path.length > 0) {
        const parent = path.slice(0, -1);
        const field = String(path[path.length - 1]);
        const what = expected.replace(/^expected /, "");
        return [where("schema", `${label(parent)}: missing required field "${field}" (${what})`, document.key(parent) ?? document.node(parent))];
      }
      return [where("schema", `${label(path)}: ${phrase(expected)}`, document.node(path))];
    }
    case "too_small":
    case "too_big": {
      const numeric = issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint";
      const words = sizeWords(issue);
      return [where(numeric && !words.startsWith("is not ") ? "out-of-range" : "schema", `${label(path)}: ${phrase(words)}`, document.node(path))];
    }
    case "invalid_value": {
      const options = issue.values.map((v) => JSON.stringify(v));
      const guess = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : undefined;
      const message = `${label(path)}: expected one of ${options.join(", ")}, ${got}${guess ? `; did you mean "${guess}"?` : ""}`;
      return [where("schema", message, document.node(path))];
    }
    case "invalid_format": {
      const words = issue.message.startsWith("Invalid string") ? "does not have the expected form" : issue.message;
      return [where("schema", `${label(path)}: ${phrase(words)}`, document.node(path))];
    }
    default:
      return [where("schema", `${label(path)}: ${issue.message}`, document.node(path))];
  }
}

function sizeWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  if (!issue.message.startsWith("Too ")) return issue.message; // a message written in the schema
  if (issue.origin === "array") return small ? `needs at least ${bound} item${bound === 1 ? "" : "s"}` : `allows at most ${bound} items`;
  if (issue.origin === "string") return small ? (bound === 1 ? "must not be empty" : `needs at least ${bound} characters`) : `allows at most ${bound} characters`;
  const inclusive = issue.inclusive !== false;
  return small ? `must be ${inclusive ? "at least" : "more than"} ${bound}` : `must be ${inclusive ? "at most" : "less than"} ${bound}`;
}

function unionWords(issue: z.core.$ZodIssueInvalidUnion): string {
  const expected = issue.errors.flatMap((branch) => (branch[0]?.code === "invalid_type" ? [TYPE_WORDS[branch[0].expected] ?? branch[0].expected] : []));
  return expected.length > 0 ? [...new Set(expected)].join(" or ") : "another kind of value";
}

/** `jobs.build.steps[0].timeout`; keys that are not plain words are quoted: `jobs["my job"]`. */
export function formatPath(path: PlanPath): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join("");
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}


function nearest(document: LocatedDocument, path: PlanPath): SourceLocation | undefined {
  for (let end = path.length; end >= 0; end--) {
    const hit = document.node(path.slice(0, end)) ?? document.key(path.slice(0, end));
    if (hit) return hit;
  }
  return undefined;
}

/** The field names an object schema allows at a path (through records, lists, unions and optionals). */
export function objectKeysAt(schema: z.ZodType, path: PlanPath): string[] {
  let current: z.core.$ZodType[] = [schema];
  for (const segment of [...path, null]) {
    const next: z.core.$ZodType[] = [];
    const open = (type: z.core.$ZodType): void => {
      const def = type._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === "optional" || def.type === "nullable" || def.type === "default") open(def["innerType"] as z.core.$ZodType);
      else if (def.type === "union") for (const option of def["options"] as z.core.$ZodType[]) open(option);
      else if (segment === null) next.push(type);
      else if (def.type === "object") {
        const child = (def["shape"] as Record<string, z.core.$ZodType>)[segment];
        if (child) next.push(child);
        else if (def["catchall"]) next.push(def["catchall"] as z.core.$ZodType);
      } else if (def.type === "record" && typeof segment === "string") next.push(def["valueType"] as z.core.$ZodType);
      else if (def.type === "array" && typeof segment === "number") next.push(def["element"] as z.core.$ZodType);
    };
    for (const type of current) open(type);
    current = next;
  }
  const keys = current.flatMap((type) => (type._zod.def.type === "object" ? Object.keys((type._zod.def as z.core.$ZodObjectDef).shape) : []));
  return [...new Set(keys)];
}
