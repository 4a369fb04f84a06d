/**
 * Why a job whose condition reads `changed(...)` was skipped: the base its files were compared with
 * and the patterns that matched no changed file.
 */
import { evaluateExpression, matchesChange, type Expr, type ExpressionContext } from "../plan/expression/index.ts";

/** ` (compared with main (merge base 1a2b3c4): no changed file matches 'a/**', 'b/**')`, or "" when the condition reads no changes. */
export function changesDetail(condition: Expr, context: ExpressionContext): string {
  const changes = context.changes;
  if (changes === undefined) return "";
  const patterns = changedPatterns(condition, context);
  if (patterns === null) return "";
  const unmatched = patterns.filter((pattern) => !matchesChange(changes, pattern));
  const list = unmatched.map((pattern) => `'${pattern}'`).join(", ");
  return unmatched.length === 0 ? ` (compared with ${changes.base})` : ` (compared with ${changes.base}: no changed file matches ${list})`;
}

/** The patterns of every `changed()` call, evaluated; null when there is none. */
function changedPatterns(expr: Expr, context: ExpressionContext): string[] | null {
  const found: string[] = [];
  let calls = 0;
  const walk = (node: Expr): void => {
    if (node.kind === "call") {
      if (node.name === "changed") {
        calls++;
        for (const arg of node.args) {
          try {
            found.push(String(evaluateExpression(arg, context) ?? ""));
          } catch {
            // The condition's own error is reported elsewhere.
          }
        }
      }
      node.args.forEach(walk);
    } else if (node.kind === "unary") walk(node.operand);
    else if (node.kind === "binary") {
      walk(node.left);
      walk(node.right);
    }
  };
  walk(expr);
  return calls === 0 ? null : [...new Set(found)];
}
