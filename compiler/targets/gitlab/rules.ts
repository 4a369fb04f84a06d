/**
 * pipec conditions as GitLab `when` + `rules:if`. The status part maps to `when` (success() ->
 * on_success, failure() -> on_failure, always() -> always) and the rest, once matrix, env and the
 * pipeline name are bound, to a `rules:if` expression over CI variables. GitLab's language is
 * weaker: no needs results, no functions but what a regex says, no `<`/`>`: those are refused.
 */
import { printExpression, type Expr } from "../../../runtime/plan/expression/index.ts";

export type GitlabWhen = "on_success" | "on_failure" | "always";

export type Lowered =
  | { readonly ok: true; readonly when: GitlabWhen; /** null: no rule, the job always exists; "false": never. */ readonly rule: string | null }
  | { readonly ok: false; readonly message: string };

const STATUS: Readonly<Record<string, GitlabWhen | null>> = { success: "on_success", failure: "on_failure", always: "always", cancelled: null };

const VARIABLES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  git: { branch: "CI_COMMIT_BRANCH", tag: "CI_COMMIT_TAG", sha: "CI_COMMIT_SHA" },
  run: { id: "CI_PIPELINE_ID" },
};

class Refused extends Error {}

/** `expr` is bound and folded, with the implied `success() &&` already added. */
export function lowerCondition(expr: Expr): Lowered {
  const conjuncts = flattenAnd(expr);
  const status = conjuncts.filter((c) => c.kind === "call" && c.name in STATUS);
  const rest = conjuncts.filter((c) => !status.includes(c));
  if (status.length !== 1 || rest.some(hasStatus)) {
    return { ok: false, message: `${printExpression(expr)}: GitLab decides a job's run on one status (when: on_success, on_failure or always) joined by && to a rule` };
  }
  const when = STATUS[(status[0] as { name: string }).name];
  if (when === null || when === undefined) return { ok: false, message: "cancelled(): GitLab runs no job when a pipeline is cancelled" };
  try {
    const parts = rest.map((c) => rule(c, false)).filter((text) => text !== "true");
    if (parts.includes("false")) return { ok: true, when, rule: "false" };
    return { ok: true, when, rule: parts.length === 0 ? null : parts.join(" && ") };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message };
    throw error;
  }
}

function flattenAnd(expr: Expr): Expr[] {
  return expr.kind === "binary" && expr.op === "&&" ? [...flattenAnd(expr.left), ...flattenAnd(expr.right)] : [expr];
}

function hasStatus(expr: Expr): boolean {
  if (expr.kind === "call") return expr.name in STATUS || expr.args.some(hasStatus);
  if (expr.kind === "unary") return hasStatus(expr.operand);
  if (expr.kind === "binary") return hasStatus(expr.left) || hasStatus(expr.right);
  return false;
}

/** A rules:if text for `expr` (negated when `not`), parenthesised where it joins others. */
function rule(expr: Expr, not: boolean): string {
  switch (expr.kind) {
    case "literal": {
      const truthy = expr.value !== null && expr.value !== false && expr.value !== "" && expr.value !== 0;
      return truthy !== not ? "true" : "false";
    }
    case "unary":
      return rule(expr.operand, !not);
    case "context": {
      const name = variable(expr);
      return not ? `($${name} == null || $${name} == "")` : `$${name}`;
    }
    case "binary": {
      if (expr.op === "&&" || expr.op === "||") {
        // De Morgan under a negation.
        const op = (expr.op === "&&") !== not ? "&&" : "||";
        return `(${rule(expr.left, not)} ${op} ${rule(expr.right, not)})`;
      }
      if (expr.op === "==" || expr.op === "!=") {
        const equal = (expr.op === "==") !== not;
        return `${operand(expr.left)} ${equal ? "==" : "!="} ${operand(expr.right)}`;
      }
      throw new Refused(`${printExpression(expr)}: GitLab rules compare text with == and != only, not ${expr.op}`);
    }
    case "call": {
      const [subject, pattern] = expr.args;
      if (["startsWith", "endsWith", "contains"].includes(expr.name) && subject?.kind === "context" && pattern?.kind === "literal" && typeof pattern.value === "string") {
        const body = escapeRegex(pattern.value);
        const regex = expr.name === "startsWith" ? `/^${body}/` : expr.name === "endsWith" ? `/${body}$/` : `/${body}/`;
        return `$${variable(subject)} ${not ? "!~" : "=~"} ${regex}`;
      }
      throw new Refused(`${printExpression(expr)}: GitLab rules have no ${expr.name}() (startsWith, endsWith and contains of a variable and a text become regexes)`);
    }
  }
}

function variable(expr: Extract<Expr, { kind: "context" }>): string {
  const [first, second] = expr.path.map(String);
  if (expr.root === "vars" && first !== undefined && second === undefined) return first;
  const known = first === undefined || second !== undefined ? undefined : VARIABLES[expr.root]?.[first];
  if (known !== undefined) return known;
  if (expr.root === "needs") throw new Refused(`${printExpression(expr)}: a GitLab rule cannot read another job's result`);
  throw new Refused(`${printExpression(expr)}: GitLab has no such variable`);
}

function operand(expr: Expr): string {
  if (expr.kind === "context") return `$${variable(expr)}`;
  if (expr.kind === "literal") {
    if (expr.value === null) return "null";
    if (typeof expr.value === "string") {
      if (!expr.value.includes('"')) return `"${expr.value}"`;
      if (!expr.value.includes("'")) return `'${expr.value}'`;
    }
    if (typeof expr.value === "number") return `"${expr.value}"`;
  }
  throw new Refused(`${printExpression(expr)}: GitLab rules compare variables with quoted text or null`);
}

function escapeRegex(text: string): string {
  return text.replace(/[\\/^$.*+?()[\]{}|]/g, (ch) => `\\${ch}`);
}
