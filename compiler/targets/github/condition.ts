/**
 * pipec conditions in GitHub's expression language. The grammar and the status functions are
 * GitHub's (pipec's evaluator follows GitHub's rules), so most of the work is renaming contexts:
 * `git.*` -> `github.*`, `vars.X` -> `inputs.X || vars.X || '<default>'`, `needs.<id>` -> the GitHub
 * job id. What GitHub reads differently is refused or flagged:
 * - `needs.X.result` of an allowFailure job: GitHub reports `success` for a failed continue-on-error
 *   job (actions/runner#1161), pipec `failure`: refused.
 * - `needs.X.outputs`: pipec jobs declare no string outputs GitHub could carry: refused.
 * - string comparisons: GitHub ignores case in `==`, `!=`, `contains`, `startsWith`, `endsWith`;
 *   pipec does not: a warning where a text with letters is compared.
 */
import { printExpression, type Expr } from "../../../runtime/plan/expression/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";
import { bindStatic, foldConstants, nodes, parseCondition, type ConditionScope } from "../common/condition.ts";

const ctx = (root: string, ...path: string[]): Expr => ({ kind: "context", root, path });
const lit = (value: string | null): Expr => ({ kind: "literal", value });
const or = (left: Expr, right: Expr): Expr => ({ kind: "binary", op: "||", left, right });
const and = (left: Expr, right: Expr): Expr => ({ kind: "binary", op: "&&", left, right });
const eq = (left: Expr, right: Expr): Expr => ({ kind: "binary", op: "==", left, right });

/** The value of a declared variable on GitHub: a dispatch input, else a repository variable, else the default. */
export function githubVar(plan: Plan, name: string): Expr {
  return or(or(ctx("inputs", name), ctx("vars", name)), lit(plan.vars[name]?.default ?? ""));
}

const GIT: Readonly<Record<string, Expr>> = {
  branch: or(and(eq(ctx("github", "ref_type"), lit("branch")), ctx("github", "ref_name")), lit("")),
  tag: or(and(eq(ctx("github", "ref_type"), lit("tag")), ctx("github", "ref_name")), lit("")),
  sha: ctx("github", "sha"),
};

/** The `if:` text for a condition, or null for the default (`success()`). */
export function githubCondition(text: string, scope: ConditionScope): string | null {
  const job = scope.plan.jobs[scope.jobId]!;
  const expr = foldConstants(bindStatic(parseCondition(text), scope.plan, job.matrix));
  if (expr.kind === "call" && expr.name === "success" && expr.args.length === 0) return null;
  warnCaseInsensitive(expr, scope);
  return `\${{ ${printExpression(rename(expr, scope))} }}`;
}

function rename(expr: Expr, scope: ConditionScope): Expr {
  switch (expr.kind) {
    case "literal":
      return expr;
    case "call":
      if (expr.name === "changed") {
        scope.diagnostics.unsupported(scope.where, `condition ${printExpression(expr)}`, "GitHub has no changed(): it filters paths only on the workflow's trigger (on.push.paths), for the whole workflow", "split the job into its own workflow with a paths filter, or drop the condition for this target");
        return lit(null);
      }
      return { ...expr, args: expr.args.map((arg) => rename(arg, scope)) };
    case "unary":
      return { ...expr, operand: rename(expr.operand, scope) };
    case "binary":
      return { ...expr, left: rename(expr.left, scope), right: rename(expr.right, scope) };
    case "context":
      return renameContext(expr, scope);
  }
}

function renameContext(expr: Extract<Expr, { kind: "context" }>, scope: ConditionScope): Expr {
  const [first, second] = expr.path.map(String);
  const feature = `condition ${printExpression(expr)}`;
  switch (expr.root) {
    case "git":
      if (first !== undefined && GIT[first]) return GIT[first]!;
      break;
    case "vars":
      if (first !== undefined) return githubVar(scope.plan, first);
      break;
    case "run":
      if (first === "id") return ctx("github", "run_id");
      break;
    case "needs": {
      const need = first === undefined ? undefined : scope.ids.get(first);
      if (need === undefined || first === undefined) break;
      if (second === "outputs") {
        scope.diagnostics.unsupported(scope.where, feature, "pipec jobs have no string outputs a GitHub job could publish", "decide on the need's result or on a variable instead");
        return lit(null);
      }
      if (second === "result" && scope.plan.jobs[first]?.allowFailure) {
        scope.diagnostics.unsupported(
          scope.where,
          feature,
          `"${first}" has allowFailure, and GitHub reports a failed continue-on-error job as "success" (actions/runner#1161), where pipec reads "failure"`,
          "drop allowFailure from that job, or decide on failure() / success() instead of its result",
        );
      }
      return { ...expr, path: [need, ...expr.path.slice(1)] };
    }
  }
  scope.diagnostics.unsupported(scope.where, feature, "GitHub has no such value", "use git.branch, git.tag, git.sha, vars.X, matrix.k, env.X (pipeline env) or needs.<job>.result");
  return lit(null);
}

const CASED = /[A-Za-z]/;

function warnCaseInsensitive(expr: Expr, scope: ConditionScope): void {
  for (const node of nodes(expr)) {
    const operands = node.kind === "binary" && (node.op === "==" || node.op === "!=") ? [node.left, node.right] : node.kind === "call" && ["contains", "startsWith", "endsWith"].includes(node.name) ? node.args : [];
    const cased = operands.find((operand) => operand.kind === "literal" && typeof operand.value === "string" && CASED.test(operand.value));
    // A need's result is one of a few lower-case words on both sides: case cannot differ.
    if (cased === undefined || operands.some((operand) => operand.kind === "context" && operand.root === "needs")) continue;
    scope.diagnostics.approximated(
      scope.where,
      `condition ${printExpression(node)}`,
      "GitHub compares text ignoring case, pipec does not ('Main' equals 'main' on GitHub)",
      "compare with the exact case the value will have, or accept that GitHub also matches other cases",
    );
    return;
  }
}
