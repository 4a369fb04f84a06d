/**
 * Every field of the plan schema, as `<shape>.<field>` keys (`job.retry`, `step.if`, ...): the list a
 * target's feature registry must cover, read from the zod schemas so a new plan field shows up here.
 */
import type { z } from "zod";
import {
  ApprovalSchema,
  CacheSchema,
  InputSchema,
  JobSchema,
  NotifySchema,
  OutputSchema,
  PlanSchema,
  ReportsSchema,
  ResourcesSchema,
  RetrySchema,
  ServiceSchema,
  StepSchema,
  TriggersSchema,
  VariableSchema,
} from "../../../runtime/plan/schema.ts";

const SHAPES: ReadonlyArray<readonly [string, z.ZodObject]> = [
  ["plan", PlanSchema],
  ["job", JobSchema],
  ["step", StepSchema],
  ["service", ServiceSchema],
  ["cache", CacheSchema],
  ["output", OutputSchema],
  ["input", InputSchema],
  ["retry", RetrySchema],
  ["resources", ResourcesSchema],
  ["variable", VariableSchema],
  ["reports", ReportsSchema],
  ["approval", ApprovalSchema],
  ["notify", NotifySchema],
  ["triggers", TriggersSchema],
];

export function planFields(): string[] {
  return SHAPES.flatMap(([prefix, schema]) => Object.keys(schema.shape).map((key) => `${prefix}.${key}`));
}
