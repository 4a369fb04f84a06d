/**
 * Static checks of a parsed expression against what a job can see: its matrix keys, its needs and
 * the declared variables. The compiler turns each problem into a diagnostic at the condition's line.
 */
import { didYouMean } from "../did-you-mean.ts";
import { CONTEXT_ROOTS, FUNCTIONS, STATUS_FUNCTIONS, describeArity } from "./evaluate.ts";
import type { Expr, PathSegment } from "./parser.ts";

export interface ExpressionScope {
  matrixKeys: readonly string[];
  needs: readonly string[];
  vars: readonly string[];
}

export interface ExpressionProblem {
  message: string;
  hint?: string;
}

/** Properties of the fixed-shape contexts; `env` and `vars` are open maps and not listed. */
const CONTEXT_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  git: ["branch", "sha", "tag"],
  pipeline: ["name"],
  run: ["id"],
};
const NEEDS_PROPERTIES: readonly string[] = ["result", "outputs"];
const FUNCTION_NAMES = Object.keys(FUNCTIONS);

/** True when the expression calls always(), success(), failure() or cancelled() anywhere. */
export function usesStatusFunction(expr: Expr): boolean {
  switch (expr.kind) {
    case "literal":
    case "context":
      return false;
    case "call":
      return STATUS_FUNCTIONS.includes(expr.name) || expr.args.some(usesStatusFunction);
    case "unary":
      return usesStatusFunction(expr.operand);
    case "binary":
      return usesStatusFunction(expr.left) || usesStatusFunction(expr.right);
  }
}

/** Every problem found, each reported once, in the order it appears in the expression. */
export function checkExpression(expr: Expr, scope: ExpressionScope): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const seen = new Set<string>();
  const report = (problem: ExpressionProblem | undefined): void => {
    if (problem === undefined || seen.has(problem.message)) return;
    seen.add(problem.message);
    problems.push(problem.hint === undefined ? { message: problem.message } : problem);
  };
  const walk = (node: Expr): void => {
    switch (node.kind) {
      case "literal":
        return;
      case "context":
        return report(checkContext(node.root, node.path, scope));
      case "call":
        report(checkCall(node.name, node.args.length));
        return node.args.forEach(walk);
      case "unary":
        return walk(node.operand);
      case "binary":
        walk(node.left);
        return walk(node.right);
    }
  };
  walk(expr);
  return problems;
}

function checkCall(name: string, count: number): ExpressionProblem | undefined {
  const arity = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (arity === undefined) {
    return { message: `unknown function '${name}'`, hint: suggest(name, FUNCTION_NAMES, `valid functions: ${FUNCTION_NAMES.join(", ")}`) };
  }
  if (count >= arity.min && (arity.max === null || count <= arity.max)) return undefined;
  return { message: `${name}() expects ${describeArity(arity.min, arity.max)}, got ${count}` };
}

function checkContext(root: string, path: readonly PathSegment[], scope: ExpressionScope): ExpressionProblem | undefined {
  const [first, second] = path.map(String);
  if (root === "secrets") {
    return {
      message: "secrets cannot be used in conditions: their values would leak through the branch taken",
      hint: "decide on a non-secret variable instead, e.g. vars.DEPLOY_ENABLED",
    };
  }
  if (!(CONTEXT_ROOTS as readonly string[]).includes(root)) {
    return { message: `unknown context '${root}'`, hint: suggest(root, CONTEXT_ROOTS, `valid contexts: ${CONTEXT_ROOTS.join(", ")}`) };
  }
  if (first === undefined) return undefined;
  switch (root) {
    case "matrix":
      if (scope.matrixKeys.includes(first)) return undefined;
      if (scope.matrixKeys.length === 0) return { message: `matrix.${first} is used but this job has no matrix` };
      return { message: `matrix has no key '${first}'`, hint: suggest(first, scope.matrixKeys, `matrix keys: ${scope.matrixKeys.join(", ")}`) };
    case "needs":
      if (!scope.needs.includes(first)) {
        const close = didYouMean(first, scope.needs);
        return {
          message: `job '${first}' is not in needs; add it to needs`,
          hint: close === undefined ? undefined : `did you mean '${close}'?`,
        };
      }
      if (second === undefined || NEEDS_PROPERTIES.includes(second)) return undefined;
      return {
        message: `needs.${first} has no property '${second}'`,
        hint: suggest(second, NEEDS_PROPERTIES, `use needs.${first}.result or needs.${first}.outputs.<name>`),
      };
    case "vars":
      if (scope.vars.includes(first)) return undefined;
      return { message: `variable '${first}' is not declared`, hint: suggest(first, scope.vars, scope.vars.length === 0 ? "declare it under vars" : `declared variables: ${scope.vars.join(", ")}`) };
    default: {
      const properties = CONTEXT_PROPERTIES[root];
      if (properties === undefined || properties.includes(first)) return undefined;
      return { message: `${root} has no property '${first}'`, hint: suggest(first, properties, `valid properties: ${properties.join(", ")}`) };
    }
  }
}

/** "did you mean 'x'? <tail>", or only the tail when nothing is close. */
function suggest(name: string, candidates: readonly string[], tail: string): string {
  const close = didYouMean(name, candidates);
  return close === undefined ? tail : `did you mean '${close}'? ${tail}`;
}
