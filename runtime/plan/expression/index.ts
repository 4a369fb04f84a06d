/** The pipeline condition language (`${{ }}` expressions), shared by the compiler and the runtime. */
export { parseExpression, unwrapTemplate } from "./parser.ts";
export type { BinaryOp, Expr, LiteralValue, ParseResult, PathSegment } from "./parser.ts";
export { printExpression } from "./printer.ts";
export { evaluateExpression, isTruthy, ExpressionError } from "./evaluate.ts";
export type { ExpressionContext } from "./evaluate.ts";
export { matchesChange, type ChangeSet } from "./changes.ts";
export { checkExpression, usesStatusFunction } from "./check.ts";
export type { ExpressionProblem, ExpressionScope } from "./check.ts";
