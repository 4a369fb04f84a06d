/**
 * What `.pipec/deployments/<name>/` keeps: the revisions (one per deployment attempt, newest last)
 * and the live status of the deployment. Values that would hold a secret are never written: an env
 * value resolved from a secret is kept as its unresolved form from the plan and resolved again when
 * the revision is started.
 */
import { z } from "zod";
import { DeploymentSchema, EnvValueSchema } from "../../plan/schema.ts";

/** One target env variable: its resolved value, or (when it holds a secret) the plan's form, resolved again at start. */
export const StoredEnvValueSchema = z.union([z.object({ value: z.string() }).strict(), z.object({ from: EnvValueSchema }).strict()]);

export const ResolvedTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("docker"), image: z.string(), command: z.array(z.string()).nullable() }).strict(),
  z.object({ kind: z.literal("process"), command: z.array(z.string()).min(1) }).strict(),
]);

export const RevisionStatusSchema = z.enum(["progressing", "healthy", "degraded", "cancelled", "timed-out", "failed"]);

/** The commit a revision was deployed from (the run's checkout): DORA's lead time counts from `authoredAt`. */
export const RevisionCommitSchema = z.object({ sha: z.string(), branch: z.string().nullable(), authoredAt: z.string().nullable() }).strict();

/**
 * Why a revision exists: `rollout` (a pipeline's deploy job: a change), `undo` (`pipec deploy undo`:
 * back to an earlier revision's spec, a recovery) or `restart` (`pipec deploy up`: the stable one
 * served again). Only rollouts are changes for the delivery metrics.
 */
export const RevisionKindSchema = z.enum(["rollout", "undo", "restart"]);

/**
 * The delivery timeline of a revision, kept for DORA metrics: when it took all the traffic
 * (`promotedAt`), when traffic went back from it (`rolledBackAt`: its own rollback, or a later undo
 * away from it), and for one that failed, when a later revision was promoted (`recoveredAt`).
 */
const deliveryFields = {
  commit: RevisionCommitSchema.nullable().default(null),
  kind: RevisionKindSchema.default("rollout"),
  promotedAt: z.string().nullable().default(null),
  rolledBackAt: z.string().nullable().default(null),
  recoveredAt: z.string().nullable().default(null),
};

export const RevisionSchema = z
  .object({
    revision: z.number().int().min(1),
    /** The deployment as the plan gave it (no secret values: plans hold none). */
    deployment: DeploymentSchema,
    target: ResolvedTargetSchema,
    env: z.record(z.string(), StoredEnvValueSchema),
    /** sha256 of the resolved target and env (secret-holding values by their plan form): equal digests, same version. */
    digest: z.string(),
    status: RevisionStatusSchema,
    reason: z.string().nullable(),
    runId: z.string().nullable(),
    job: z.string().nullable(),
    /** The pipeline that deployed it (the owner of the name from then on); null in histories from before owners were recorded. */
    pipeline: z.string().nullable().default(null),
    /** `pipec deploy undo`: the revision whose spec this one re-deploys. */
    undoOf: z.number().int().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    ...deliveryFields,
  })
  .strict();

/** What stays of a revision trimmed beyond `revisionHistoryLimit`: its delivery timeline, for the metrics. */
export const PastRevisionSchema = z
  .object({ revision: z.number().int().min(1), status: RevisionStatusSchema, undoOf: z.number().int().nullable(), startedAt: z.string(), finishedAt: z.string().nullable(), ...deliveryFields })
  .strict();

export const RevisionsFileSchema = z.object({ name: z.string(), revisions: z.array(RevisionSchema), past: z.array(PastRevisionSchema).default([]) }).strict();

export const InstanceStatusSchema = z
  .object({
    id: z.string(),
    /** `warm`: an instance of the previous healthy revision, running but not routed (for `pipec deploy undo`). */
    role: z.enum(["stable", "canary", "warm"]),
    revision: z.number().int(),
    port: z.number().int(),
    health: z.enum(["starting", "pending", "ready", "unready", "failed", "stopping"]),
    reason: z.string().nullable(),
    /** The target driver's id (container id, or `deployment/version/index@pgid` for a host process). */
    driverId: z.string().nullable().default(null),
    /** For a host process: its argv, to recognise it after its pipec process died. */
    command: z.array(z.string()).nullable().default(null),
    /** The router was last given this instance (it gets requests). */
    routed: z.boolean().default(false),
  })
  .strict();

export const DeploymentStatusSchema = z
  .object({
    name: z.string(),
    strategy: z.enum(["canary", "blueGreen", "rolling"]),
    /** The revision being deployed (or serving, once healthy). */
    revision: z.number().int(),
    /** The revision that served before it; null for a first deploy. */
    stableRevision: z.number().int().nullable(),
    phase: z.string(),
    pausedReason: z.string().nullable(),
    message: z.string(),
    /** Router weights per revision as last confirmed (`r3: 90, r4: 10`). */
    weights: z.record(z.string(), z.number()),
    listen: z.string(),
    previewListen: z.string().nullable(),
    instances: z.array(InstanceStatusSchema),
    /** The previous healthy revision whose instances are kept warm (role `warm` in `instances`); null when none is. */
    warmRevision: z.number().int().nullable().default(null),
    /** Whether a pipec process serves the deployment now (see `pid`). */
    serving: z.boolean(),
    pid: z.number().int(),
    /** The kernel start time of `pid` (/proc/<pid>/stat), so a reused pid is not taken for it; null off Linux. */
    pidStartedAt: z.string().nullable().optional(),
    runId: z.string().nullable(),
    job: z.string().nullable(),
    /** The pipeline that owns the deployment. */
    pipeline: z.string().nullable().default(null),
    updatedAt: z.string(),
  })
  .strict();

export type StoredEnvValue = z.output<typeof StoredEnvValueSchema>;
export type ResolvedTarget = z.output<typeof ResolvedTargetSchema>;
export type RevisionStatus = z.output<typeof RevisionStatusSchema>;
export type Revision = z.output<typeof RevisionSchema>;
export type RevisionCommit = z.output<typeof RevisionCommitSchema>;
export type RevisionKind = z.output<typeof RevisionKindSchema>;
export type PastRevision = z.output<typeof PastRevisionSchema>;
export type InstanceStatusRecord = z.output<typeof InstanceStatusSchema>;
export type DeploymentStatus = z.output<typeof DeploymentStatusSchema>;
