/**
 * The files through which `pipec approve | promote | abort` talk to a running deployment:
 * `.pipec/runs/<run>/waiting.json` (what each deployment of the run waits for, written by the loop)
 * and `.pipec/runs/<run>/control/<job>/*.json` (requests, written atomically by the CLI, taken and
 * removed by the loop, which polls every ~200 ms). Manual jobs (`approval:` on a job) wait the same
 * way: an entry of kind "job" whose one gate is the approval's name, taken by the run loop.
 */
import { z } from "zod";

export const ControlRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("approve"), gate: z.string().min(1) }).strict(),
  z.object({ type: z.literal("promote"), full: z.boolean() }).strict(),
  z.object({ type: z.literal("abort"), reason: z.string().nullable() }).strict(),
]);

export const WaitingEntrySchema = z
  .object({
    job: z.string(),
    /** "job": a manual job waiting before it starts (`deployment` is then the job's id); absent: a deployment. */
    kind: z.literal("job").optional(),
    deployment: z.string(),
    phase: z.string(),
    message: z.string(),
    /** Approval gates open now. */
    gates: z.array(z.string()),
    /** The rollout has not reached its verdict yet: promote and abort apply. */
    inProgress: z.boolean(),
    updatedAt: z.string(),
  })
  .strict();

export const WaitingFileSchema = z
  .object({
    runId: z.string(),
    pid: z.number().int(),
    deployments: z.record(z.string(), WaitingEntrySchema),
  })
  .strict();

export type ControlRequest = z.output<typeof ControlRequestSchema>;
export type WaitingEntry = z.output<typeof WaitingEntrySchema>;
export type WaitingFile = z.output<typeof WaitingFileSchema>;
