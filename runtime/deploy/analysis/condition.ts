/**
 * successCondition / failureCondition: the pipeline expression syntax (`parseExpression`) evaluated
 * over one name, `result`. The pipeline evaluator reads only the job contexts (env, needs, ...), so
 * this is a tiny evaluator of its own with plain comparison semantics:
 * - `result` is the measured value; `result.p99` and `result[0]` read into JSON values;
 * - `<`, `<=`, `>`, `>=` compare numbers (numeric strings included) or two strings; anything else is false;
 * - `==` / `!=` compare numbers numerically, other values strictly; `!`, `&&`, `||` as usual;
 * - no functions, and no name other than `result` (both are reported, never read as null).
 */
import { parseExpression, unwrapTemplate, type Expr, type PathSegment } from "../../plan/expression/index.ts";

export type ConditionResult = { readonly ok: true; readonly matched: boolean } | { readonly ok: false; readonly message: string };

class ConditionError extends Error {}

export function evaluateCondition(text: string, result: unknown): ConditionResult {
  const parsed = parseExpression(unwrapTemplate(text));
  if (!parsed.ok) return { ok: false, message: `cannot parse condition "${text}": ${parsed.message} at offset ${parsed.offset}` };
  try {
    return { ok: true, matched: truthy(evaluate(parsed.expr, result)) };
  } catch (error) {
    if (error instanceof ConditionError) return { ok: false, message: `condition "${text}": ${error.message}` };
    throw error;
  }
}

function evaluate(expr: Expr, result: unknown): unknown {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "context":
      if (expr.root !== "result") throw new ConditionError(`unknown name '${expr.root}'; a metric condition reads only 'result'`);
      return readPath(result, expr.path);
    case "call":
      throw new ConditionError(`functions such as ${expr.name}() are not available in metric conditions`);
    case "unary":
      return !truthy(evaluate(expr.operand, result));
    case "binary": {
      const left = evaluate(expr.left, result);
      if (expr.op === "&&") return truthy(left) ? evaluate(expr.right, result) : left;
      if (expr.op === "||") return truthy(left) ? left : evaluate(expr.right, result);
      const right = evaluate(expr.right, result);
      if (expr.op === "==") return same(left, right);
      if (expr.op === "!=") return !same(left, right);
      return compare(expr.op, left, right);
    }
  }
}

function readPath(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (current !== null && typeof current === "object" && !Array.isArray(current) && Object.hasOwn(current, String(segment))) {
      current = (current as Record<string, unknown>)[String(segment)];
    } else return null;
    if (current === undefined) return null;
  }
  return current;
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === "") return false;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  return true;
}

/** A number, or a string that is one; null otherwise (so `null < 1` is false, not `0 < 1`). */
export function toNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string" || v.trim() === "") return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
}

function same(a: unknown, b: unknown): boolean {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== null && y !== null) return x === y;
  return a === b;
}

function compare(op: "<" | "<=" | ">" | ">=", a: unknown, b: unknown): boolean {
  const x = toNumber(a);
  const y = toNumber(b);
  const pair: [number, number] | [string, string] | null =
    x !== null && y !== null ? [x, y] : typeof a === "string" && typeof b === "string" ? [a, b] : null;
  if (pair === null) return false;
  const [l, r] = pair;
  if (op === "<") return l < r;
  if (op === "<=") return l <= r;
  if (op === ">") return l > r;
  return l >= r;
}
