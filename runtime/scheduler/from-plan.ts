/** Turns a canonical plan's jobs into the scheduler's view of them. */
import { parseExpression, unwrapTemplate } from "../plan/expression/index.ts";
import type { Plan } from "../plan/schema.ts";
import { SCHEDULER_ERROR_CODES, SchedulerError } from "./errors.ts";
import type { SchedulerJob } from "./types.ts";

/**
 * One SchedulerJob per plan job, in the plan's key order. Needs include the jobs whose outputs are
 * inputs (the canonical plan already lists them; a hand-written plan may not). A condition that
 * does not parse throws: the validator rejects such plans, so this is a plan that skipped it.
 */
export function schedulerJobsFromPlan(plan: Pick<Plan, "jobs">): SchedulerJob[] {
  return Object.entries(plan.jobs).map(([id, job]) => {
    const parsed = parseExpression(unwrapTemplate(job.if));
    if (!parsed.ok) {
      const where = job.source === null ? "" : `${job.source.file}:${job.source.line}:${job.source.column} `;
      throw new SchedulerError(
        SCHEDULER_ERROR_CODES.invalidCondition,
        `${where}job "${id}" has an invalid condition "${job.if}": ${parsed.message} at character ${parsed.offset + 1}; run pipec validate on the plan`,
        { job: id },
      );
    }
    return {
      id,
      needs: [...new Set([...job.needs, ...job.inputs.map((input) => input.job)])],
      condition: parsed.expr,
      allowFailure: job.allowFailure,
      retry: job.retry,
      timeoutMs: job.timeoutMs,
      matrix: job.matrix ?? {},
      approval: job.approval ?? null,
    };
  });
}
