/**
 * Job conditions, evaluated once all of a job's needs are terminal.
 *
 * Status functions (GitHub Actions semantics, over the job's direct needs):
 * - `success()`: every need succeeded (a need that failed with `allowFailure` counts as succeeded,
 *   like GitHub's continue-on-error) and the run is not being cancelled. A skipped or cancelled
 *   need makes it false, so skips propagate under the default condition.
 * - `failure()`: some need failed (timed out counts, `allowFailure` does not), or was skipped or
 *   cancelled because a failure upstream of it: `build` fails, `test` is skipped, and a `notify`
 *   job needing only `test` still sees failure().
 * - `cancelled()`: the run is being cancelled. `always()`: true.
 * A condition without a status function is `success() && <condition>`, as on GitHub.
 * `needs.<id>.result` is success | failure | skipped | cancelled, and stays "failure" for an
 * `allowFailure` job that failed so that a condition can still tell.
 */
import {
  ExpressionError,
  evaluateExpression,
  isTruthy,
  printExpression,
  usesStatusFunction,
  type Expr,
  type ExpressionContext,
} from "../plan/expression/index.ts";
import type { JobState, JobStatus, SchedulerGraph, SchedulerJob, SchedulerOptions, StopReason } from "./types.ts";

export type NeedResult = ExpressionContext["needs"][string]["result"];

/** What condition evaluation reads; both a state and the draft inside advance satisfy it. */
export interface ConditionView {
  readonly graph: SchedulerGraph;
  readonly options: SchedulerOptions;
  readonly jobs: Readonly<Record<string, JobState>>;
  readonly stopReason: StopReason | null;
}

export type ConditionResult = { readonly ok: true; readonly run: boolean } | { readonly ok: false; readonly message: string };

export function needResult(status: JobStatus): NeedResult {
  if (status === "success") return "success";
  if (status === "skipped") return "skipped";
  if (status === "cancelled") return "cancelled";
  return "failure";
}

/** Evaluates `job`'s condition; its needs must all be terminal. Expression errors are data. */
export function evaluateCondition(job: SchedulerJob, view: ConditionView): ConditionResult {
  const values = statusValues(job, view);
  const needs: ExpressionContext["needs"] = {};
  for (const need of job.needs) {
    const state = view.jobs[need];
    if (state !== undefined) needs[need] = { result: needResult(state.status), outputs: { ...state.outputs } };
  }
  const context: ExpressionContext = {
    ...view.options.context,
    matrix: { ...job.matrix },
    needs,
    status: { anyFailed: values.failure, cancelled: values.cancelled },
  };
  try {
    return { ok: true, run: isTruthy(evaluateExpression(bindStatusFunctions(effectiveCondition(job.condition), values), context)) };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return { ok: false, message: `condition "${printExpression(job.condition)}" could not be evaluated: ${error.message}` };
  }
}

/**
 * True when the condition may let the job run in a failing or cancelled run (it calls always(),
 * failure() or cancelled()). Fail-fast spares such jobs: cleanup and notification still happen.
 */
export function runsAfterFailure(condition: Expr): boolean {
  switch (condition.kind) {
    case "literal":
    case "context":
      return false;
    case "call":
      return ["always", "failure", "cancelled"].includes(condition.name) || condition.args.some(runsAfterFailure);
    case "unary":
      return runsAfterFailure(condition.operand);
    case "binary":
      return runsAfterFailure(condition.left) || runsAfterFailure(condition.right);
  }
}

interface StatusValues {
  readonly success: boolean;
  readonly failure: boolean;
  readonly cancelled: boolean;
}

function statusValues(job: SchedulerJob, view: ConditionView): StatusValues {
  const cancelled = view.stopReason !== null;
  const ok = job.needs.every((need) => {
    const state = view.jobs[need];
    if (state === undefined) return false;
    if (state.status === "success") return true;
    return (state.status === "failed" || state.status === "timed-out") && view.graph.byId[need]?.allowFailure === true;
  });
  const memo = new Map<string, boolean>();
  return { success: ok && !cancelled, failure: job.needs.some((need) => carriesFailure(need, view, memo)), cancelled };
}

/** The job failed (and was not allowed to), or did not run because something it needs did. */
function carriesFailure(id: string, view: ConditionView, memo: Map<string, boolean>): boolean {
  const known = memo.get(id);
  if (known !== undefined) return known;
  const status = view.jobs[id]?.status;
  const job = view.graph.byId[id];
  let result = false;
  if (status === "failed" || status === "timed-out") result = job?.allowFailure !== true;
  else if (status === "skipped" || status === "cancelled") result = (job?.needs ?? []).some((need) => carriesFailure(need, view, memo));
  memo.set(id, result);
  return result;
}

function effectiveCondition(condition: Expr): Expr {
  if (usesStatusFunction(condition)) return condition;
  return { kind: "binary", op: "&&", left: { kind: "call", name: "success", args: [] }, right: condition };
}

/** Replaces argument-less status calls by their values; calls with arguments keep their arity error. */
function bindStatusFunctions(expr: Expr, values: StatusValues): Expr {
  switch (expr.kind) {
    case "literal":
    case "context":
      return expr;
    case "call": {
      if (expr.args.length === 0) {
        if (expr.name === "always") return { kind: "literal", value: true };
        if (expr.name === "success" || expr.name === "failure" || expr.name === "cancelled") return { kind: "literal", value: values[expr.name] };
      }
      return { ...expr, args: expr.args.map((arg) => bindStatusFunctions(arg, values)) };
    }
    case "unary":
      return { ...expr, operand: bindStatusFunctions(expr.operand, values) };
    case "binary":
      return { ...expr, left: bindStatusFunctions(expr.left, values), right: bindStatusFunctions(expr.right, values) };
  }
}
