/** Conditions: each `if` parses, names only contexts the job can see, and calls known functions. */
import { checkExpression, parseExpression, type ExpressionScope } from "../../runtime/plan/expression/index.ts";
import type { Job, Plan } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";

export function checkExpressions(plan: Pick<Plan, "vars">, jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Paths and labels are built only for a condition with a problem: most jobs have none.
  // Most jobs share a few conditions ("success()"): each text is parsed once.
  const parses = new Map<string, ReturnType<typeof parseExpression>>();
  const check = (text: string | null, scope: ExpressionScope, path: () => PlanPath) => {
    const what = () => labelOf(draft, path());
    if (text === null) return;
    let parsed = parses.get(text);
    if (parsed === undefined) parses.set(text, (parsed = parseExpression(text)));
    if (!parsed.ok) {
      const pointer = `${text}\n${" ".repeat(parsed.offset)}^`;
      diagnostics.push(error("invalid-expression", `${what()}: ${parsed.message} at character ${parsed.offset + 1} of the condition:\n${pointer}`, draft.locate(path())));
      return;
    }
    const problems = checkExpression(parsed.expr, scope);
    if (problems.length === 0) return;
    const where = draft.locate(path());
    for (const problem of problems) diagnostics.push(error("invalid-expression", `${what()}: ${problem.message}`, where, problem.hint));
  };
  const vars = Object.keys(plan.vars);
  for (const [id, job] of Object.entries(jobs)) {
    const needs = [...new Set([...job.needs, ...job.inputs.map((i) => i.job)])];
    const scope: ExpressionScope = { matrixKeys: Object.keys(job.matrix ?? {}), needs, vars };
    check(job.if, scope, () => ["jobs", id, "if"]);
    job.steps.forEach((step, index) => check(step.if, scope, () => ["jobs", id, "steps", index, "if"]));
  }
  return diagnostics;
}
