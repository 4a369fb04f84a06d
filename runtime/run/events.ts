/**
 * Run events: the stable, documented stream `pipec run --json` prints (one JSON object per line) and
 * `.pipec/runs/<id>/events.jsonl` keeps. Add fields, never rename them. Log text is masked before an
 * event is made, so no event ever holds a secret.
 */
import { z } from "zod";

const base = { time: z.string(), runId: z.string() };
const JobStatusSchema = z.enum(["pending", "waiting", "ready", "running", "retrying", "success", "failed", "timed-out", "skipped", "cancelled"]);

export const RunEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run.started"), ...base, pipeline: z.string(), digest: z.string(), executor: z.enum(["docker", "local"]), concurrency: z.number(), jobs: z.array(z.string()), resumedFrom: z.string().nullable() }),
  z.object({ type: z.literal("job.status"), ...base, job: z.string(), status: JobStatusSchema, attempt: z.number(), reason: z.string().nullable() }),
  z.object({ type: z.literal("job.started"), ...base, job: z.string(), attempt: z.number() }),
  z.object({ type: z.literal("step.started"), ...base, job: z.string(), step: z.number(), name: z.string(), attempt: z.number() }),
  z.object({ type: z.literal("step.finished"), ...base, job: z.string(), step: z.number(), name: z.string(), status: z.enum(["success", "failed", "timed-out", "cancelled", "skipped"]), exitCode: z.number().nullable(), durationMs: z.number() }),
  z.object({ type: z.literal("job.log"), ...base, job: z.string(), step: z.number(), stream: z.enum(["stdout", "stderr"]), text: z.string() }),
  z.object({
    type: z.literal("job.finished"),
    ...base,
    job: z.string(),
    status: JobStatusSchema,
    attempts: z.number(),
    durationMs: z.number(),
    exitCode: z.number().nullable(),
    reason: z.string().nullable(),
    /** A job that succeeded: its outputs' artifact ids by output name (what `--resume` restores), so the events alone can resume a run. */
    outputs: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ type: z.literal("run.finished"), ...base, status: z.enum(["success", "failed", "cancelled"]), reason: z.string().nullable(), durationMs: z.number(), criticalPath: z.array(z.string()), criticalPathMs: z.number() }),
  z.object({ type: z.literal("run.notice"), ...base, level: z.enum(["info", "warning"]), message: z.string() }),
  /** The commit the run ran on (recorded when the project is a git checkout): lead time and change bases read it. */
  z.object({ type: z.literal("run.commit"), ...base, sha: z.string(), branch: z.string().nullable(), tag: z.string().nullable(), authorTime: z.string().nullable() }),
  /** A job's test and coverage reports, parsed after its steps (ratios 0..1; at most 20 failures here, all in reports/<job>.json). */
  z.object({
    type: z.literal("job.reports"),
    ...base,
    job: z.string(),
    tests: z.object({ total: z.number(), passed: z.number(), failed: z.number(), errors: z.number(), skipped: z.number(), durationMs: z.number() }).nullable(),
    failures: z.array(z.object({ name: z.string(), message: z.string(), file: z.string().nullable(), line: z.number().nullable() })),
    coverage: z.object({ line: z.number().nullable(), branch: z.number().nullable(), function: z.number().nullable() }).nullable(),
    files: z.array(z.string()),
    problems: z.array(z.string()),
  }),
  /** A job's quality gates: each with its measured value (null: not measured) and whether it held. */
  z.object({
    type: z.literal("job.gates"),
    ...base,
    job: z.string(),
    gates: z.array(z.object({ metric: z.string(), file: z.string().nullable(), value: z.number().nullable(), min: z.number().nullable(), max: z.number().nullable(), ok: z.boolean(), message: z.string() })),
  }),
  /** One judged measurement of a deployment's analysis: the metric's value (null: not a number, or no data), its phase, and the new version's traffic share then. */
  z.object({
    type: z.literal("deploy.analysis"),
    ...base,
    job: z.string(),
    deployment: z.string(),
    revision: z.number(),
    analysisId: z.string(),
    metric: z.string(),
    phase: z.enum(["successful", "failed", "inconclusive", "error"]),
    value: z.number().nullable(),
    weight: z.number().nullable(),
    message: z.string(),
  }),
  /** A manual job's approval: `waiting` (with the command that approves it and when it times out), then how the wait ended. */
  z.object({
    type: z.literal("job.approval"),
    ...base,
    job: z.string(),
    name: z.string(),
    state: z.enum(["waiting", "approved", "timed-out", "cancelled"]),
    timeoutAt: z.string().nullable(),
    command: z.string(),
  }),
  /** A notification sent at the end of the run (after run.finished): the webhook as the plan names it, never its URL. A failed one is a warning, never the run's failure. */
  z.object({
    type: z.literal("run.notify"),
    ...base,
    webhook: z.string(),
    event: z.string(),
    ok: z.boolean(),
    attempts: z.number(),
    httpStatus: z.number().nullable(),
    message: z.string(),
    durationMs: z.number(),
  }),
  /** What `changed(...)` conditions compared with, and how many files differ. */
  z.object({ type: z.literal("run.changes"), ...base, base: z.string(), files: z.number().nullable() }),
  /** `changed` on a miss: the key's parts that differ (`env NAME`, `input job.output`, `file PATH` for the first 10 files, then `and N more files`). `fromRun` on a hit: the run whose result (and log) it is. */
  z.object({ type: z.literal("job.cache"), ...base, job: z.string(), hit: z.boolean(), key: z.string(), changed: z.array(z.string()), fromRun: z.string().nullable().default(null) }),
  z.object({ type: z.literal("artifact.stored"), ...base, job: z.string(), name: z.string(), id: z.string(), files: z.number(), bytes: z.number() }),
  z.object({ type: z.literal("artifact.restored"), ...base, job: z.string(), from: z.string(), name: z.string(), id: z.string(), files: z.number(), bytes: z.number() }),
  /** A deployment job's status changed: its phase, where traffic goes (percent per role, as the router confirmed it), and why. */
  z.object({
    type: z.literal("deploy.status"),
    ...base,
    job: z.string(),
    deployment: z.string(),
    revision: z.number(),
    phase: z.enum(["Progressing", "Paused", "Promoting", "Healthy", "Degraded"]),
    pausedReason: z.enum(["step", "approval", "inconclusive"]).nullable(),
    step: z.number().nullable(),
    weights: z.object({ stable: z.number(), canary: z.number() }).nullable(),
    message: z.string(),
  }),
]);

export type RunEvent = z.output<typeof RunEventSchema>;
export type RunEventType = RunEvent["type"];
/** An event as the run loop makes it, before the store stamps time and run id. */
export type RunEventDraft = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "time" | "runId"> : never) : never;
