/**
 * GitHub Actions expressions to pipec: job and step `if:` to conditions (pipec's expression language
 * is GitHub's, with `git.*` for the ref), and `${{ }}` inside scripts and values to the environment
 * variables that hold the same value. Contexts pipec has no equivalent for are refused, by name.
 */
import { parseExpression, type Expr } from "../../../runtime/plan/expression/index.ts";
import type { Cond, CondOperand, CondRef } from "../model.ts";
import { BRANCH_OR_TAG } from "../predefined.ts";

export type GithubCondition = { readonly ok: true; readonly cond: Cond; readonly vars: readonly string[] } | { readonly ok: false; readonly message: string };

class Refused extends Error {}

const stripped = (text: string) => text.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1").trim();

export function githubCondition(text: string): GithubCondition {
  const source = stripped(text)
    .replace(/github\.ref\s*==\s*'refs\/heads\/([^']*)'/g, "git.branch == '$1'")
    .replace(/github\.ref\s*==\s*'refs\/tags\/([^']*)'/g, "git.tag == '$1'")
    .replace(/startsWith\(\s*github\.ref\s*,\s*'refs\/tags\/'\s*\)/g, "git.tag")
    .replace(/startsWith\(\s*github\.ref\s*,\s*'refs\/heads\/'\s*\)/g, "git.branch")
    .replace(/github\.sha\b/g, "git.sha");
  const parsed = parseExpression(source);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const vars = new Set<string>();
  try {
    return { ok: true, cond: toCond(parsed.expr, vars), vars: [...vars] };
  } catch (cause) {
    if (cause instanceof Refused) return { ok: false, message: cause.message };
    throw cause;
  }
}

function toCond(expr: Expr, vars: Set<string>): Cond {
  switch (expr.kind) {
    case "call": {
      if (["success", "failure", "always"].includes(expr.name) && expr.args.length === 0) return { kind: "status", status: expr.name as "success" };
      const [subject, text] = expr.args;
      if (["startsWith", "endsWith", "contains"].includes(expr.name) && subject?.kind === "context" && text?.kind === "literal" && typeof text.value === "string") {
        return { kind: "call", name: expr.name as "startsWith", subject: ref(subject, vars), text: text.value };
      }
      throw new Refused(`${expr.name}() with these arguments has no pipec equivalent`);
    }
    case "unary":
      return { kind: "not", operand: toCond(expr.operand, vars) };
    case "binary":
      if (expr.op === "&&" || expr.op === "||") return { kind: expr.op === "&&" ? "and" : "or", all: [toCond(expr.left, vars), toCond(expr.right, vars)] };
      if (expr.op === "==" || expr.op === "!=") return { kind: expr.op === "==" ? "eq" : "ne", left: operand(expr.left, vars), right: operand(expr.right, vars) };
      throw new Refused(`the operator ${expr.op} has no when.* equivalent`);
    case "context":
      return { kind: "truthy", ref: ref(expr, vars) };
    case "literal":
      if (expr.value === true) return { kind: "and", all: [] };
      if (expr.value === false) return { kind: "false" };
      throw new Refused(`the literal ${JSON.stringify(expr.value)} is no condition`);
  }
}

function operand(expr: Expr, vars: Set<string>): CondOperand {
  if (expr.kind === "literal") {
    if (expr.value === null || typeof expr.value === "string") return expr.value;
    return String(expr.value);
  }
  if (expr.kind === "context") return ref(expr, vars);
  throw new Refused("only contexts and literals are compared");
}

function ref(expr: Extract<Expr, { kind: "context" }>, vars: Set<string>): CondRef {
  const [first, second] = expr.path.map(String);
  if (first !== undefined && second === undefined) {
    if (expr.root === "git" && (first === "branch" || first === "tag" || first === "sha")) return { root: "git", name: first };
    // The branch, or the tag name on a tag push.
    if (expr.root === "github" && first === "ref_name") return { root: "git", name: "ref" };
    if (expr.root === "vars" || expr.root === "env" || expr.root === "matrix") {
      if (expr.root === "vars") vars.add(first);
      return { root: expr.root, name: first };
    }
  }
  throw new Refused(`${expr.root}.${expr.path.join(".")} has no pipec equivalent`);
}

/** What `${{ X }}` in a script or value becomes: an environment variable reference, or null (refused). */
export function scriptValue(inner: string, matrixEnv: boolean): { text: string; secret?: string; vars?: string } | null {
  const text = inner.trim();
  let m: RegExpExecArray | null;
  if ((m = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text))) return { text: `\${${m[1]}}` };
  if ((m = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text))) return m[1] === "GITHUB_TOKEN" ? null : { text: `\${${m[1]}}`, secret: m[1]! };
  if ((m = /^vars\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text))) return { text: `\${${m[1]}}`, vars: m[1]! };
  if ((m = /^matrix\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text)) && matrixEnv) return { text: `\${${m[1]}}` };
  const github: Readonly<Record<string, string>> = { "github.sha": "${PIPEC_GIT_SHA}", "github.ref_name": BRANCH_OR_TAG, "github.workspace": "${PIPEC_WORKSPACE}", "github.run_id": "${PIPEC_RUN_ID}", "github.job": "${PIPEC_JOB}" };
  if (github[text]) return { text: github[text] };
  return null;
}
