/**
 * Evaluates a parsed expression against a job's context with GitHub Actions semantics: loose
 * equality, truthiness, `&&`/`||` returning an operand, and missing properties reading as null.
 * Strings compare case-sensitively (unlike GitHub) so that `==` agrees with `contains`.
 */
import { matchesChange, type ChangeSet } from "./changes.ts";
import type { BinaryOp, Expr, PathSegment } from "./parser.ts";

export interface ExpressionContext {
  env: Record<string, string>;
  vars: Record<string, string>;
  matrix: Record<string, string | number | boolean>;
  needs: Record<string, { result: "success" | "failure" | "skipped" | "cancelled"; outputs?: Record<string, string> }>;
  git: { branch: string | null; sha: string | null; tag: string | null };
  pipeline: { name: string };
  run: { id: string };
  /** The job's own status view, read by the status functions; not reachable as a context. */
  status: { anyFailed: boolean; cancelled: boolean };
  /** The files changed since the run's base, read by `changed()`; absent where they are not known (compile time). */
  changes?: ChangeSet;
}

/** Thrown when a function gets arguments it cannot use, e.g. `fromJSON('{')`. */
export class ExpressionError extends Error {
  override readonly name = "ExpressionError";
}

/** The context names an expression may read, in the order hints list them. */
export const CONTEXT_ROOTS = ["env", "vars", "matrix", "needs", "git", "pipeline", "run"] as const;
type ContextRoot = (typeof CONTEXT_ROOTS)[number];

/** Allowed argument counts; `max: null` means any number (`format`). */
export const FUNCTIONS: Readonly<Record<string, { min: number; max: number | null }>> = {
  contains: { min: 2, max: 2 },
  startsWith: { min: 2, max: 2 },
  endsWith: { min: 2, max: 2 },
  join: { min: 1, max: 2 },
  format: { min: 1, max: null },
  fromJSON: { min: 1, max: 1 },
  toJSON: { min: 1, max: 1 },
  always: { min: 0, max: 0 },
  success: { min: 0, max: 0 },
  failure: { min: 0, max: 0 },
  cancelled: { min: 0, max: 0 },
  changed: { min: 1, max: null },
};
export const STATUS_FUNCTIONS: readonly string[] = ["always", "success", "failure", "cancelled"];

export function evaluateExpression(expr: Expr, ctx: ExpressionContext): unknown {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "context":
      return readPath(rootValue(expr.root, ctx), expr.path);
    case "call":
      return callFunction(expr.name, expr.args, ctx);
    case "unary":
      return !isTruthy(evaluateExpression(expr.operand, ctx));
    case "binary": {
      const left = evaluateExpression(expr.left, ctx);
      if (expr.op === "&&") return isTruthy(left) ? evaluateExpression(expr.right, ctx) : left;
      if (expr.op === "||") return isTruthy(left) ? left : evaluateExpression(expr.right, ctx);
      const right = evaluateExpression(expr.right, ctx);
      if (expr.op === "==") return looseEquals(left, right);
      if (expr.op === "!=") return !looseEquals(left, right);
      return compare(expr.op, left, right);
    }
  }
}

/** null, undefined, false, 0, '' and NaN are falsy; everything else, including `'false'` and `[]`, is truthy. */
export function isTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === "") return false;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  return true;
}

function rootValue(root: string, ctx: ExpressionContext): unknown {
  return (CONTEXT_ROOTS as readonly string[]).includes(root) ? ctx[root as ContextRoot] : null;
}

/** Walks own properties only (never `constructor` or `__proto__`); anything missing is null. */
function readPath(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      current = typeof segment === "number" ? current[segment] : undefined;
    } else if (current !== null && typeof current === "object" && Object.hasOwn(current, String(segment))) {
      current = (current as Record<string, unknown>)[String(segment)];
    } else {
      return null;
    }
    if (current === undefined) return null;
  }
  return current;
}

function callFunction(name: string, argExprs: readonly Expr[], ctx: ExpressionContext): unknown {
  const arity = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (arity === undefined) throw new ExpressionError(`unknown function '${name}'`);
  if (argExprs.length < arity.min || (arity.max !== null && argExprs.length > arity.max)) {
    throw new ExpressionError(`${name} expects ${describeArity(arity.min, arity.max)}, got ${argExprs.length}`);
  }
  const args = argExprs.map((arg) => evaluateExpression(arg, ctx));
  const [a, b] = args;
  switch (name) {
    case "always":
      return true;
    case "success":
      return !ctx.status.anyFailed && !ctx.status.cancelled;
    case "failure":
      return ctx.status.anyFailed;
    case "cancelled":
      return ctx.status.cancelled;
    case "contains":
      return Array.isArray(a) ? a.some((item) => looseEquals(item, b)) : toText(a).includes(toText(b));
    case "startsWith":
      return toText(a).startsWith(toText(b));
    case "endsWith":
      return toText(a).endsWith(toText(b));
    case "join":
      return Array.isArray(a) ? a.map(toText).join(args.length > 1 ? toText(b) : ",") : toText(a);
    case "format":
      return format(toText(a), args.slice(1));
    case "fromJSON":
      return fromJSON(toText(a));
    case "toJSON":
      return JSON.stringify(a, null, 2);
    case "changed":
      if (ctx.changes === undefined) throw new ExpressionError("changed(): the changed files are only known when the pipeline runs");
      return args.some((pattern) => matchesChange(ctx.changes!, toText(pattern)));
    default:
      throw new ExpressionError(`unknown function '${name}'`);
  }
}

export function describeArity(min: number, max: number | null): string {
  const plural = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
  if (max === null) return `at least ${plural(min)}`;
  return min === max ? plural(min) : `${min} or ${plural(max)}`;
}

/** `{N}` is the N-th argument; `{{` and `}}` are literal braces. */
function format(template: string, args: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if ((ch === "{" || ch === "}") && template[i + 1] === ch) {
      out += ch;
      i++;
    } else if (ch === "{") {
      const match = /^\{(\d+)\}/.exec(template.slice(i));
      if (!match) throw new ExpressionError(`format: invalid placeholder at position ${i} in '${template}'; write {{ for a literal brace`);
      const index = Number(match[1]);
      if (index >= args.length) throw new ExpressionError(`format: placeholder {${index}} has no argument (${args.length} given)`);
      out += toText(args[index]);
      i += match[0].length - 1;
    } else if (ch === "}") {
      throw new ExpressionError(`format: unmatched '}' at position ${i} in '${template}'; write }} for a literal brace`);
    } else {
      out += ch;
    }
  }
  return out;
}

function fromJSON(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExpressionError(`fromJSON: invalid JSON: ${reason}`);
  }
}

/** GitHub's string conversion: null is '', objects and arrays are 'Object' and 'Array'. */
function toText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return "Array";
  if (typeof v === "object") return "Object";
  return String(v);
}

/** GitHub's number conversion: null and '' are 0, booleans 1/0, other text must be a number. */
function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined || v === false) return 0;
  if (v === true) return 1;
  if (typeof v !== "string") return Number.NaN;
  const text = v.trim();
  if (text === "") return 0;
  if (/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(text) || /^0x[0-9a-f]+$/i.test(text)) return Number(text);
  return Number.NaN;
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (isComposite(a) || isComposite(b)) return a === b;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(op: Exclude<BinaryOp, "&&" | "||" | "==" | "!=">, a: unknown, b: unknown): boolean {
  if (isComposite(a) || isComposite(b)) return false;
  const [x, y] = typeof a === "string" && typeof b === "string" ? [a, b] : [toNumber(a), toNumber(b)];
  if (op === "<") return x < y;
  if (op === "<=") return x <= y;
  if (op === ">") return x > y;
  return x >= y;
}

function isComposite(v: unknown): boolean {
  return v !== null && typeof v === "object";
}
