/**
 * Finds the author's property for a plan path inside a DSL call. The location table knows only call
 * sites (`job(`, `step(`, `deploy.canary(`, `pipeline(`); from there this walks the call's object
 * literal, property by property, as far as the source says. Pure: parsed source, call site and path in,
 * position out.
 *
 * Only the slow path uses it (there are diagnostics to report): parsing with the TypeScript parser
 * costs time that a clean build must not pay. No type check, no program: one `createSourceFile`.
 */
import { ts } from "ts-morph";
import type { PlanPath } from "../draft.ts";
import { CANARY_STEP_FIELDS, DSL_FIELD_NAMES } from "./spell-fields.ts";

export interface ParsedSource {
  readonly sourceFile: ts.SourceFile;
}

/** 1-based, like every pipec location. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface PropertyLocation extends Position {
  /** How many segments of the path were found; 0 leaves the caller at the call site. */
  readonly matched: number;
}

export function parseSource(text: string, fileName = "pipeline.ts"): ParsedSource {
  return { sourceFile: ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS) };
}

/**
 * Plan fields the DSL spells differently, each with the DSL path(s) to try, in order. The field as
 * written is always tried first. Durations lose their `Ms` (lower-values.ts, lower-deployment.ts);
 * canary steps are tagged in the plan (`{ kind: "pause", durationMs }`) but keyed in the DSL
 * (`{ pause: { duration } }`); `retry: 3` is `retry.max` in the plan, which needs no entry: a number
 * has no properties, so the walk stops at `retry`.
 */
const RENAMED: Readonly<Record<string, readonly (readonly string[])[]>> = renamedPaths();

/** DSL_FIELD_NAMES as one-segment paths, plus where each canary step kind keeps its fields. */
function renamedPaths(): Record<string, (readonly string[])[]> {
  const table: Record<string, (readonly string[])[]> = {};
  for (const [plan, dsl] of Object.entries(DSL_FIELD_NAMES)) table[plan] = [[dsl]];
  for (const fields of Object.values(CANARY_STEP_FIELDS)) {
    for (const [plan, dsl] of Object.entries(fields)) {
      if (plan !== "kind" && dsl.length > 0) (table[plan] ??= []).push(dsl.map(String));
    }
  }
  return table;
}

/** Builders whose first argument is the name: `job("build", {...})`, `deploy.canary("web", {...})`. */
const NAMED_BUILDERS = new Set(["job", "pipeline", "canary", "blueGreen", "rolling"]);
const DEPLOY_BUILDERS = new Set(["canary", "blueGreen", "rolling"]);

type Step = { readonly node: ts.Node; readonly value: ts.Expression | null; readonly consumed: number };

/**
 * The deepest property of `path` written in the call at `site`, or null when no call starts there.
 * A segment the source does not spell out (a spread, a computed key, a variable, a function call)
 * stops the walk at the deepest property found so far.
 */
export function locateProperty(source: ParsedSource, site: Position, path: PlanPath): PropertyLocation | null {
  const file = source.sourceFile;
  const call = callAt(file, site);
  if (!call) return null;
  let best: ts.Node = call;
  let value: ts.Expression | null = call;
  let matched = 0;
  while (matched < path.length && value) {
    const step = descend(value, path, matched);
    if (!step) break;
    matched += step.consumed;
    best = step.node;
    value = step.value;
  }
  if (best === call) return { ...site, matched };
  const { line, character } = file.getLineAndCharacterOfPosition(best.getStart(file));
  return { line: line + 1, column: character + 1, matched };
}

/** The innermost call whose callee covers the position: V8 reports `job(` at `job`, `deploy.canary(` at `canary`. */
function callAt(file: ts.SourceFile, site: Position): ts.CallExpression | null {
  const starts = file.getLineStarts();
  if (site.line < 1 || site.line > starts.length) return null;
  const position = starts[site.line - 1]! + site.column - 1;
  let found: ts.CallExpression | null = null;
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(file) || position >= node.getEnd()) return;
    if (ts.isCallExpression(node) && position <= node.expression.getEnd()) found = node;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function descend(value: ts.Expression, path: PlanPath, index: number): Step | null {
  const node = unwrap(value);
  const segment = path[index]!;
  if (ts.isCallExpression(node)) return descendCall(node, path, index);
  if (ts.isObjectLiteralExpression(node)) return typeof segment === "string" ? findProperty(node, segment) : null;
  if (ts.isArrayLiteralExpression(node)) {
    if (typeof segment !== "number") return null;
    const before = node.elements.slice(0, segment + 1);
    if (before.length <= segment || before.some((e) => ts.isSpreadElement(e))) return null;
    const element = node.elements[segment]!;
    return { node: element, value: element, consumed: 1 };
  }
  // A per-expansion value: `steps: ({ matrix }) => [...]`. Its body stands for it.
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    const body = returnedExpression(node);
    return body ? descend(body, path, index) : null;
  }
  return null;
}

function descendCall(call: ts.CallExpression, path: PlanPath, index: number): Step | null {
  const callee = calleeName(call);
  const segment = path[index]!;
  const args = call.arguments;
  const positional = (arg: ts.Expression | undefined): Step | null => (arg ? { node: arg, value: arg, consumed: 1 } : null);
  const firstIsText = args.length > 0 && !ts.isObjectLiteralExpression(unwrap(args[0]!));
  if (callee && DEPLOY_BUILDERS.has(callee)) {
    // Deployment options sit beside the job options: plan `deploy.healthCheck` is `healthCheck` here.
    if (segment === "deploy") return { node: call, value: call, consumed: 1 };
    if (segment === "strategy" && ts.isPropertyAccessExpression(call.expression)) return { node: call.expression.name, value: null, consumed: 1 };
  }
  if (segment === "name" && callee && (NAMED_BUILDERS.has(callee) || (callee === "step" && args.length >= 2)) && firstIsText) return positional(args[0]);
  if (callee === "step" && segment === "run" && firstIsText) return positional(args.length >= 2 ? args[1] : args[0]);
  if (callee === "output" && segment === "paths") return positional(args[0]);
  const options = [...args].reverse().find((arg) => ts.isObjectLiteralExpression(unwrap(arg)));
  return options ? descend(options, path, index) : null;
}

function findProperty(object: ts.ObjectLiteralExpression, segment: string): Step | null {
  const direct = property(object, segment);
  if (direct) return { ...direct, consumed: 1 };
  for (const spelled of RENAMED[segment] ?? []) {
    let current: ts.Expression | null = object;
    let found: { node: ts.Node; value: ts.Expression | null } | null = null;
    for (const name of spelled) {
      const inner: ts.Node | null = current ? unwrap(current) : null;
      found = inner && ts.isObjectLiteralExpression(inner) ? property(inner, name) : null;
      if (!found) break;
      current = found.value;
    }
    if (found) return { ...found, consumed: 1 };
  }
  return null;
}

/** The last property spelled `name` (the one that wins at run time); computed keys and spreads are not read. */
function property(object: ts.ObjectLiteralExpression, name: string): { node: ts.Node; value: ts.Expression | null } | null {
  for (let i = object.properties.length - 1; i >= 0; i--) {
    const p = object.properties[i]!;
    if (ts.isSpreadAssignment(p)) return null; // whatever the spread holds may override what comes before it
    const key = p.name && staticName(p.name);
    if (key !== name) continue;
    if (ts.isPropertyAssignment(p)) return { node: p.name, value: p.initializer };
    return { node: p.name!, value: null };
  }
  return null;
}

function staticName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

function calleeName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function returnedExpression(fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression | null {
  if (!ts.isBlock(fn.body)) return fn.body;
  const returns = fn.body.statements.filter(ts.isReturnStatement);
  return returns.length === 1 && fn.body.statements.length === 1 ? (returns[0]!.expression ?? null) : null;
}

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isNonNullExpression(current) || ts.isTypeAssertionExpression(current)) {
    current = current.expression;
  }
  return current;
}
