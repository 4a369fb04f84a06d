/**
 * Recursive-descent parser for pipeline conditions. Precedence, lowest first:
 * `||`, `&&`, `== !=`, `< <= > >=`, unary `!`, then primaries (literals, contexts, calls, `( )`).
 * Binary operators are left-associative. The tree is plain JSON so plans can carry it.
 */
import { tokenize, type Punct, type Token } from "./lexer.ts";

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=";
export type LiteralValue = string | number | boolean | null;
/** A property name (`.result`, `['x-y']`) or an array index (`[0]`). */
export type PathSegment = string | number;

export type Expr =
  | { kind: "literal"; value: LiteralValue }
  | { kind: "context"; root: string; path: PathSegment[] }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "unary"; op: "!"; operand: Expr }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr };

export type ParseResult = { ok: true; expr: Expr } | { ok: false; message: string; offset: number };

/** Binding strength of each binary operator; the printer uses the same table. */
export const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
};
const MAX_BINARY = 4;

class ParseError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

export function parseExpression(text: string): ParseResult {
  const lexed = tokenize(text);
  if (!lexed.ok) return lexed;
  const tokens = lexed.tokens;
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? (tokens[tokens.length - 1] as Token);
  const isPunct = (value: Punct): boolean => {
    const t = peek();
    return t.kind === "punct" && t.value === value;
  };
  const fail = (message: string, token: Token = peek()): never => {
    throw new ParseError(message, token.offset);
  };

  const parseBinary = (level: number): Expr => {
    if (level > MAX_BINARY) return parseUnary();
    let left = parseBinary(level + 1);
    for (;;) {
      const t = peek();
      if (t.kind !== "punct" || PRECEDENCE[t.value as BinaryOp] !== level) return left;
      pos++;
      left = { kind: "binary", op: t.value as BinaryOp, left, right: parseBinary(level + 1) };
    }
  };

  const parseUnary = (): Expr => {
    if (!isPunct("!")) return parsePrimary();
    pos++;
    return { kind: "unary", op: "!", operand: parseUnary() };
  };

  const parsePrimary = (): Expr => {
    const t = peek();
    if (t.kind === "string" || t.kind === "number") {
      pos++;
      return { kind: "literal", value: t.value };
    }
    if (t.kind === "punct" && t.value === "(") {
      pos++;
      const inner = parseBinary(1);
      if (!isPunct(")")) fail("expected ')' to close '('");
      pos++;
      return inner;
    }
    if (t.kind !== "ident") return fail(t.kind === "end" ? "unexpected end of expression" : `unexpected ${describe(t)}`);
    pos++;
    if (t.value === "true" || t.value === "false") return { kind: "literal", value: t.value === "true" };
    if (t.value === "null") return { kind: "literal", value: null };
    if (isPunct("(")) return parseCall(t.value);
    return { kind: "context", root: t.value, path: parsePath() };
  };

  const parseCall = (name: string): Expr => {
    pos++;
    const args: Expr[] = [];
    if (!isPunct(")")) {
      for (;;) {
        if (peek().kind === "end") fail(`expected ')' after arguments of ${name}`);
        args.push(parseBinary(1));
        if (!isPunct(",")) break;
        pos++;
      }
    }
    if (!isPunct(")")) fail(`expected ')' after arguments of ${name}`);
    pos++;
    if (isPunct(".") || isPunct("[")) fail(`properties can only be read from a context, not from the result of ${name}()`);
    return { kind: "call", name, args };
  };

  const parsePath = (): PathSegment[] => {
    const path: PathSegment[] = [];
    for (;;) {
      if (isPunct(".")) {
        pos++;
        const name = peek();
        if (name.kind !== "ident") return fail("expected a property name after '.'");
        path.push(name.value);
        pos++;
      } else if (isPunct("[")) {
        pos++;
        const index = peek();
        if (index.kind === "string" || (index.kind === "number" && Number.isInteger(index.value) && index.value >= 0)) {
          path.push(index.value);
        } else {
          fail("expected a quoted name or an array index inside '[ ]'");
        }
        pos++;
        if (!isPunct("]")) fail("expected ']' after index");
        pos++;
      } else {
        return path;
      }
    }
  };

  try {
    if (peek().kind === "end") return { ok: false, message: "empty expression", offset: 0 };
    const expr = parseBinary(1);
    const rest = peek();
    if (rest.kind !== "end") fail(`unexpected ${describe(rest)} after the expression`);
    return { ok: true, expr };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}

/**
 * Accepts a bare expression or one wrapped as `${{ ... }}` and returns the inner text, trimmed.
 * Text holding several `${{ }}` blocks is returned as is (trimmed) so that parsing reports it.
 */
export function unwrapTemplate(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith("${{") || !trimmed.endsWith("}}")) return trimmed;
  const inner = trimmed.slice(3, -2);
  return inner.includes("${{") ? trimmed : inner.trim();
}

function describe(t: Token): string {
  switch (t.kind) {
    case "string":
      return "string";
    case "number":
      return `number ${t.value}`;
    case "ident":
      return `'${t.value}'`;
    case "punct":
      return `'${t.value}'`;
    case "end":
      return "end of expression";
  }
}
