/** The changed files a run's `changed(...)` conditions read, and the commit each run records. */
import { parseExpression, type ChangeSet } from "../plan/expression/index.ts";
import type { Plan } from "../plan/schema.ts";
import { readChangedFiles } from "./changed-files.ts";
import { listRunIds, readRunEvents, readRunState } from "./run-store.ts";

/** The changes for this run, or undefined when no condition reads them and no `--base` was given. Throws ChangeBaseError for a bad `--base`. */
export function changesForRun(projectDir: string, plan: Plan, base: string | undefined): ChangeSet | undefined {
  if (base === undefined && !usesChanged(plan)) return undefined;
  return readChangedFiles(projectDir, { base, previousSuccess: base === undefined ? lastSuccessfulCommit(projectDir, plan.name) : null });
}

function usesChanged(plan: Plan): boolean {
  const conditions = Object.values(plan.jobs).flatMap((job) => [job.if, ...job.steps.map((step) => step.if)]);
  return conditions.some((text) => text !== null && /\bchanged\s*\(/.test(text) && callsChanged(text));
}

function callsChanged(text: string): boolean {
  const parsed = parseExpression(text);
  if (!parsed.ok) return false;
  const walk = (expr: typeof parsed.expr): boolean =>
    expr.kind === "call" ? expr.name === "changed" || expr.args.some(walk) : expr.kind === "unary" ? walk(expr.operand) : expr.kind === "binary" ? walk(expr.left) || walk(expr.right) : false;
  return walk(parsed.expr);
}

/** The commit recorded by this pipeline's newest successful run, if any. */
export function lastSuccessfulCommit(projectDir: string, pipeline: string): string | null {
  for (const id of listRunIds(projectDir)) {
    const state = readRunState(projectDir, id);
    if (state?.pipeline !== pipeline || state.status !== "success") continue;
    const commit = readRunEvents(projectDir, id).find((event) => event.type === "run.commit");
    if (commit?.type === "run.commit") return commit.sha;
  }
  return null;
}

