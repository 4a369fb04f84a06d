/**
 * pipec conditions as an Argo DAG task's `depends` and `when`.
 *
 * The status part (success(), failure(), always()) and `needs.X.result` comparisons become `depends`
 * over explicit task results. Never a bare `depends: a`: Argo reads it as
 * `a.Succeeded || a.Skipped || a.Daemoned`, so a skipped need would start the dependent, where pipec
 * skips it. An allowFailure need counts as done for success() (`a.Succeeded || a.Failed || a.Errored`).
 * The rest of the condition, once matrix values, the pipeline env and name are literals, becomes a
 * `when` (govaluate, after Argo substitutes `{{workflow.parameters.X}}`); what govaluate would read
 * otherwise than pipec (`<`, numbers, functions but startsWith/endsWith/contains on a literal) is refused.
 */
import { printExpression, type Expr } from "../../../runtime/plan/expression/index.ts";
import { bindStatic, foldConstants, parseCondition, withImpliedSuccess, type ConditionScope } from "../common/condition.ts";
import { gitParameter } from "./parameters.ts";

export interface TaskCondition {
  readonly depends: string | null;
  readonly when: string | null;
}

class Refused extends Error {}

const ANY_END = ["Succeeded", "Failed", "Errored", "Skipped", "Omitted"];

export function argoCondition(scope: ConditionScope): TaskCondition {
  const job = scope.plan.jobs[scope.jobId]!;
  const expr = withImpliedSuccess(foldConstants(bindStatic(parseCondition(job.if), scope.plan, job.matrix)));
  const conjuncts = flattenAnd(expr).filter((c) => !(c.kind === "literal" && truthy(c.value)));
  const status = conjuncts.filter(isStatusCall);
  const results = conjuncts.filter((c) => !isStatusCall(c) && readsOnlyResults(c));
  const rest = conjuncts.filter((c) => !status.includes(c) && !results.includes(c));
  const hint = "decide on success(), failure() or always() joined by && to needs.<job>.result comparisons and to text comparisons of vars, git.branch, git.tag";
  try {
    if (status.length > 1 || conjuncts.some((c) => !status.includes(c) && usesStatus(c))) throw new Refused(`${printExpression(expr)}: Argo decides a task on its needs' results (depends) joined by && to a when expression`);
    const parts = [status.length === 0 ? null : statusDepends((status[0] as { name: string }).name, scope), ...results.map((c) => dependsOf(c, scope))].filter((p): p is string => p !== null && p !== "");
    const whens = rest.map((c) => whenOf(c, scope));
    return { depends: parts.length === 0 ? null : parts.length === 1 ? parts[0]! : parts.map(paren).join(" && "), when: whens.length === 0 ? null : whens.length === 1 ? whens[0]! : whens.map(paren).join(" && ") };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    scope.diagnostics.unsupported(scope.where, "if", error.message, hint);
    return { depends: null, when: null };
  }
}

function statusDepends(name: string, scope: ConditionScope): string | null {
  const needs = scope.plan.jobs[scope.jobId]!.needs.filter((need) => scope.ids.has(need));
  const task = (need: string) => scope.ids.get(need)!;
  const any = (need: string, results: readonly string[]) => (results.length === 1 ? `${task(need)}.${results[0]}` : `(${results.map((r) => `${task(need)}.${r}`).join(" || ")})`);
  switch (name) {
    case "success":
      return needs.map((need) => any(need, scope.plan.jobs[need]!.allowFailure ? ["Succeeded", "Failed", "Errored"] : ["Succeeded"])).join(" && ") || null;
    case "always":
      return needs.map((need) => any(need, ANY_END)).join(" && ") || null;
    case "failure": {
      scope.diagnostics.approximated(
        scope.where,
        "failure()",
        "runs when a need failed, errored or was not run (Omitted), also when that need was left out by its own condition rather than by a failure; and when this job succeeds as the last of its branch, Argo marks the Workflow Succeeded where pipec's run fails",
        "accept it, or decide on needs.<job>.result == 'failure'",
      );
      const failing = needs.filter((need) => !scope.plan.jobs[need]!.allowFailure);
      if (failing.length === 0) return "false";
      // Every need must have ended before Argo evaluates the expression, so naming each one waits for all.
      const waits = needs.map((need) => any(need, ANY_END));
      return `(${waits.join(" && ")}) && (${failing.map((need) => any(need, ["Failed", "Errored", "Omitted"])).join(" || ")})`;
    }
    default:
      throw new Refused("cancelled(): an Argo task cannot see that its Workflow is being stopped");
  }
}

/** A condition made only of `needs.X.result` comparisons, `!`, `&&` and `||`. */
function readsOnlyResults(expr: Expr): boolean {
  if (expr.kind === "binary" && (expr.op === "&&" || expr.op === "||")) return readsOnlyResults(expr.left) && readsOnlyResults(expr.right);
  if (expr.kind === "unary") return readsOnlyResults(expr.operand);
  return expr.kind === "binary" && (expr.op === "==" || expr.op === "!=") && resultComparison(expr) !== null;
}

function resultComparison(expr: Extract<Expr, { kind: "binary" }>): { need: string; value: string } | null {
  const [context, literal] = expr.left.kind === "context" ? [expr.left, expr.right] : [expr.right, expr.left];
  if (context.kind !== "context" || context.root !== "needs" || context.path.length !== 2 || context.path[1] !== "result") return null;
  if (literal.kind !== "literal" || typeof literal.value !== "string") return null;
  return { need: String(context.path[0]), value: literal.value };
}

const RESULTS: Readonly<Record<string, readonly string[]>> = { success: ["Succeeded"], failure: ["Failed", "Errored"], skipped: ["Skipped", "Omitted"] };

function dependsOf(expr: Expr, scope: ConditionScope): string {
  if (expr.kind === "unary") return `!${paren(dependsOf(expr.operand, scope))}`;
  if (expr.kind !== "binary") throw new Refused(`${printExpression(expr)}: not a needs result`);
  if (expr.op === "&&" || expr.op === "||") return `${paren(dependsOf(expr.left, scope))} ${expr.op} ${paren(dependsOf(expr.right, scope))}`;
  const { need, value } = resultComparison(expr)!;
  const task = scope.ids.get(need);
  if (task === undefined) throw new Refused(`${printExpression(expr)}: "${need}" is not a job of this Workflow`);
  const results = RESULTS[value];
  if (results === undefined) throw new Refused(`${printExpression(expr)}: Argo has no task result for "${value}" (success, failure and skipped map to Succeeded, Failed/Errored, Skipped/Omitted)`);
  const text = results.map((r) => `${task}.${r}`).join(" || ");
  return expr.op === "==" ? text : `!(${text})`;
}

/** A govaluate `when` text; Argo fills `{{...}}` before evaluating it. */
function whenOf(expr: Expr, scope: ConditionScope): string {
  switch (expr.kind) {
    case "literal":
      return truthy(expr.value) ? "true" : "false";
    case "context":
      return `${value(expr, scope)} != ''`;
    case "unary":
      return `!${paren(whenOf(expr.operand, scope))}`;
    case "binary":
      if (expr.op === "&&" || expr.op === "||") return `${paren(whenOf(expr.left, scope))} ${expr.op} ${paren(whenOf(expr.right, scope))}`;
      if (expr.op === "==" || expr.op === "!=") return `${operand(expr.left, scope)} ${expr.op} ${operand(expr.right, scope)}`;
      throw new Refused(`${printExpression(expr)}: Argo's when compares text with == and != here (govaluate reads ${expr.op} on numbers only)`);
    case "call": {
      const [subject, pattern] = expr.args;
      if (["startsWith", "endsWith", "contains"].includes(expr.name) && subject?.kind === "context" && pattern?.kind === "literal" && typeof pattern.value === "string") {
        const body = escapeRegex(pattern.value);
        return `${value(subject, scope)} =~ ${quote(expr.name === "startsWith" ? `^${body}` : expr.name === "endsWith" ? `${body}$` : body)}`;
      }
      throw new Refused(`${printExpression(expr)}: Argo's when has no ${expr.name}() (startsWith, endsWith and contains of a value and a text become regexes)`);
    }
  }
}

function operand(expr: Expr, scope: ConditionScope): string {
  if (expr.kind === "context") return value(expr, scope);
  if (expr.kind === "literal" && typeof expr.value === "string") return quote(expr.value);
  throw new Refused(`${printExpression(expr)}: Argo's when compares values with quoted text here`);
}

/** A context as a quoted govaluate string holding Argo's placeholder. */
function value(expr: Extract<Expr, { kind: "context" }>, scope: ConditionScope): string {
  const [first, second] = expr.path.map(String);
  if (second === undefined && first !== undefined) {
    if (expr.root === "vars" && Object.hasOwn(scope.plan.vars, first)) return `'{{workflow.parameters.${first}}}'`;
    if (expr.root === "git" && ["branch", "sha", "tag"].includes(first)) return `'{{workflow.parameters.${gitParameter(first)}}}'`;
    if (expr.root === "run" && first === "id") return "'{{workflow.name}}'";
  }
  if (expr.root === "needs") throw new Refused(`${printExpression(expr)}: a task's when cannot read another task; compare needs.<job>.result with 'success', 'failure' or 'skipped', joined by &&`);
  throw new Refused(`${printExpression(expr)}: Argo has no such value`);
}

function quote(text: string): string {
  if (text.includes("'") || text.includes("\\") || text.includes("{{")) throw new Refused(`${JSON.stringify(text)}: a quote, backslash or {{ cannot be written in Argo's when`);
  return `'${text}'`;
}

/** Metacharacters as one-character classes (`[.]`), so no backslash reaches govaluate's string reader. */
function escapeRegex(text: string): string {
  if (/[\\^\]]/.test(text)) throw new Refused(`${JSON.stringify(text)}: a backslash, ^ or ] cannot be matched in Argo's when here`);
  return text.replace(/[/$.*+?()[{}|]/g, (ch) => `[${ch}]`);
}

function paren(text: string): string {
  return /^[\w.'{}-]+$/.test(text) || (text.startsWith("(") && balancedOuter(text)) ? text : `(${text})`;
}

function balancedOuter(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0 && i < text.length - 1) return false;
  }
  return text.endsWith(")");
}

function flattenAnd(expr: Expr): Expr[] {
  return expr.kind === "binary" && expr.op === "&&" ? [...flattenAnd(expr.left), ...flattenAnd(expr.right)] : [expr];
}

const STATUS = ["success", "failure", "always", "cancelled"];

function isStatusCall(expr: Expr): boolean {
  return expr.kind === "call" && STATUS.includes(expr.name) && expr.args.length === 0;
}

function usesStatus(expr: Expr): boolean {
  if (expr.kind === "call") return STATUS.includes(expr.name) || expr.args.some(usesStatus);
  if (expr.kind === "unary") return usesStatus(expr.operand);
  if (expr.kind === "binary") return usesStatus(expr.left) || usesStatus(expr.right);
  return false;
}

function truthy(value: unknown): boolean {
  return value !== null && value !== false && value !== "" && value !== 0;
}
