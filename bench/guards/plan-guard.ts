/**
 * The compiler section's guard: did a timed `pipec build` compile the whole pipeline? The plan it
 * wrote (runtime/plan/schema.ts: `jobs` keyed by id, each with its `needs`) has the generated DAG's
 * job count and, when given, its edge count. A plan that lost jobs or edges makes the figure INVALID. Pure.
 */
import { VALID, invalid, type Verdict } from "./verdict.ts";

export interface PlanExpectation {
  readonly jobs: number;
  /** Edges (`needs` entries over all jobs); unchecked when absent. */
  readonly edges?: number;
}

/** The plan's jobs, whether `jobs` is keyed by id (the plan format) or a list. */
function jobsOf(plan: unknown): unknown[] {
  const jobs = (plan as { jobs?: unknown } | null)?.jobs;
  if (Array.isArray(jobs)) return jobs;
  return jobs && typeof jobs === "object" ? Object.values(jobs) : [];
}

export function guardPlan(plan: unknown, expected: PlanExpectation): Verdict {
  const jobs = jobsOf(plan);
  if (jobs.length !== expected.jobs) return invalid(`the plan has ${jobs.length} jobs; the pipeline has ${expected.jobs}`);
  if (expected.edges === undefined) return VALID;
  const edges = jobs.reduce<number>((sum, job) => {
    const needs = (job as { needs?: unknown } | null)?.needs;
    return sum + (Array.isArray(needs) ? needs.length : 0);
  }, 0);
  return edges === expected.edges ? VALID : invalid(`the plan has ${edges} needs edges; the pipeline has ${expected.edges}`);
}
