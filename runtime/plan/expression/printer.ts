/**
 * Canonical text of an expression: single spaces around binary operators, parentheses only where
 * the tree needs them, `'quoted'` strings and dot access for identifier keys. Plans store this form,
 * so `parseExpression(printExpression(e))` gives back `e` and printing twice changes nothing.
 */
import { PRECEDENCE, type Expr, type LiteralValue, type PathSegment } from "./parser.ts";

/** Keys printed as `.key`; anything else (`x-y`, `1a`, `''`) is printed as `['x-y']`. */
const DOT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Unary `!` and primaries bind tighter than any binary operator. */
const ATOM = 5;

export function printExpression(expr: Expr): string {
  switch (expr.kind) {
    case "literal":
      return printLiteral(expr.value);
    case "context":
      return expr.root + expr.path.map(printSegment).join("");
    case "call":
      return `${expr.name}(${expr.args.map(printExpression).join(", ")})`;
    case "unary":
      return `!${wrap(expr.operand, ATOM)}`;
    case "binary": {
      const level = PRECEDENCE[expr.op];
      // Left-associative: a right operand at the same level needs parentheses to keep its shape.
      return `${wrap(expr.left, level)} ${expr.op} ${wrap(expr.right, level + 1)}`;
    }
  }
}

function wrap(expr: Expr, minLevel: number): string {
  const text = printExpression(expr);
  return levelOf(expr) < minLevel ? `(${text})` : text;
}

function levelOf(expr: Expr): number {
  return expr.kind === "binary" ? PRECEDENCE[expr.op] : ATOM;
}

function printLiteral(value: LiteralValue): string {
  if (typeof value === "string") return quote(value);
  return String(value);
}

function printSegment(segment: PathSegment): string {
  if (typeof segment === "number") return `[${segment}]`;
  return DOT_KEY.test(segment) ? `.${segment}` : `[${quote(segment)}]`;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
