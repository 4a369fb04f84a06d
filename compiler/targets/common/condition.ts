/**
 * Conditions before a dialect translates them: parsed from the plan's normalised text, with what is
 * known when the file is generated bound to literals (a job's matrix values, the pipeline's name, and
 * `env.X`, which pipec reads from the pipeline's env as written).
 */
import { evaluateExpression, parseExpression, usesStatusFunction, type Expr, type ExpressionContext } from "../../../runtime/plan/expression/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";
import type { TargetDiagnostics, Where } from "./diagnostics.ts";

/** What a dialect's translation of one job's condition needs: the plan, the job, engine ids, where to report. */
export interface ConditionScope {
  readonly plan: Plan;
  readonly jobId: string;
  readonly ids: ReadonlyMap<string, string>;
  readonly where: Where;
  readonly diagnostics: TargetDiagnostics;
}

export function parseCondition(text: string): Expr {
  const parsed = parseExpression(text);
  // The plan was validated: its conditions parse.
  if (!parsed.ok) throw new Error(`plan condition does not parse: ${text}: ${parsed.message}`);
  return parsed.expr;
}

/** Replaces `matrix.k`, `pipeline.name` and `env.X` by literals. */
export function bindStatic(expr: Expr, plan: Plan, matrix: Readonly<Record<string, string | number | boolean>> | null): Expr {
  switch (expr.kind) {
    case "literal":
      return expr;
    case "context": {
      const [first] = expr.path;
      if (expr.root === "matrix" && typeof first === "string" && expr.path.length === 1) return { kind: "literal", value: matrix?.[first] ?? null };
      if (expr.root === "pipeline" && first === "name" && expr.path.length === 1) return { kind: "literal", value: plan.name };
      if (expr.root === "env" && typeof first === "string" && expr.path.length === 1) {
        const value = plan.env[first];
        return { kind: "literal", value: typeof value === "string" ? value : null };
      }
      return expr;
    }
    case "call":
      return { ...expr, args: expr.args.map((arg) => bindStatic(arg, plan, matrix)) };
    case "unary":
      return { ...expr, operand: bindStatic(expr.operand, plan, matrix) };
    case "binary":
      return { ...expr, left: bindStatic(expr.left, plan, matrix), right: bindStatic(expr.right, plan, matrix) };
  }
}

/** `success() && (e)` when the condition calls no status function, as pipec and GitHub read it. */
export function withImpliedSuccess(expr: Expr): Expr {
  if (usesStatusFunction(expr)) return expr;
  return { kind: "binary", op: "&&", left: { kind: "call", name: "success", args: [] }, right: expr };
}

/** Every node of the tree, depth first. */
export function* nodes(expr: Expr): Generator<Expr> {
  yield expr;
  if (expr.kind === "call") for (const arg of expr.args) yield* nodes(arg);
  else if (expr.kind === "unary") yield* nodes(expr.operand);
  else if (expr.kind === "binary") {
    yield* nodes(expr.left);
    yield* nodes(expr.right);
  }
}

/**
 * Folds sub-expressions made only of literals with pipec's own semantics (`'linux' == 'Linux'` is
 * false here, true on GitHub), so no engine gets to evaluate them its own way.
 */
export function foldConstants(expr: Expr): Expr {
  const folded = foldChildren(expr);
  if (folded.kind === "literal" || folded.kind === "context") return folded;
  if (folded.kind === "call" && STATUS.includes(folded.name)) return folded;
  if (![...childrenOf(folded)].every((child) => child.kind === "literal")) return folded;
  try {
    const value = evaluateExpression(folded, EMPTY);
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) return { kind: "literal", value: value as string | number | boolean | null };
  } catch {
    // An expression error stays for run time, where pipec reports it too.
  }
  return folded;
}

const STATUS = ["success", "failure", "always", "cancelled"];
const EMPTY: ExpressionContext = { env: {}, vars: {}, matrix: {}, needs: {}, git: { branch: null, sha: null, tag: null }, pipeline: { name: "" }, run: { id: "" }, status: { anyFailed: false, cancelled: false } };

function childrenOf(expr: Expr): Expr[] {
  if (expr.kind === "call") return expr.args;
  if (expr.kind === "unary") return [expr.operand];
  if (expr.kind === "binary") return [expr.left, expr.right];
  return [];
}

function foldChildren(expr: Expr): Expr {
  if (expr.kind === "call") return { ...expr, args: expr.args.map(foldConstants) };
  if (expr.kind === "unary") return { ...expr, operand: foldConstants(expr.operand) };
  if (expr.kind === "binary") return { ...expr, left: foldConstants(expr.left), right: foldConstants(expr.right) };
  return expr;
}
