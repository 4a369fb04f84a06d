/**
 * What every target emitter shares: its profile (engine-only settings that never enter the plan),
 * the files it produces and the diagnostics it raises. An emitter is a pure function of the
 * canonical plan and the profile.
 */
import { z } from "zod";
import type { Diagnostic } from "../diagnostic.ts";
import type { Plan } from "../../runtime/plan/schema.ts";

export const TARGET_NAMES = ["github", "gitlab", "argo"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

const BUILTIN_METRICS = ["successRate", "errorRate", "latencyAvg", "latencyP50", "latencyP95", "latencyP99", "requests"] as const;

/** Argo Workflows and Argo Rollouts: where the cluster keeps what the plan cannot say. */
export const ArgoProfileSchema = z
  .object({
    /** `Workflow` (submit it) or `WorkflowTemplate` (register it, then submit runs of it). @default "Workflow" */
    kind: z.enum(["Workflow", "WorkflowTemplate"]).default("Workflow"),
    /** metadata.namespace of every document; null: the namespace kubectl or argo is given. @default null */
    namespace: z.string().min(1).nullable().default(null),
    /** The Workflow's service account (it applies Rollouts, so it needs RBAC for them). @default null */
    serviceAccount: z.string().min(1).nullable().default(null),
    /** The git repository each job checks out into its workspace; needed by every job with steps. @default null */
    source: z.object({ repo: z.string().min(1), depth: z.number().int().min(1).nullable().default(null) }).strict().nullable().default(null),
    /** The Kubernetes Secret whose keys are the plan's secret names; needed when the plan names secrets. @default null */
    secretName: z.string().min(1).nullable().default(null),
    /** spec.artifactRepositoryRef: needed when jobs pass outputs. @default null */
    artifactRepositoryRef: z.object({ configMap: z.string().min(1), key: z.string().min(1) }).strict().nullable().default(null),
    /** A Rollouts canary `trafficRouting` block (nginx, istio, smi, plugins, ...), written as given; without it weights are replica ratios. @default null */
    trafficRouting: z.record(z.string(), z.unknown()).nullable().default(null),
    /** PromQL for pipec's builtin (router) metrics (`${DEPLOYMENT}` is the deployment's name); a builtin metric without a query is refused. @default null */
    prometheus: z.object({ address: z.string().min(1), queries: z.partialRecord(z.enum(BUILTIN_METRICS), z.string().min(1)).default({}) }).strict().nullable().default(null),
    /** The image that runs command metrics (a Kubernetes Job); null: the deployment's own image (warning). @default null */
    analysisImage: z.string().min(1).nullable().default(null),
    /** CIDRs a `network: none` job's pod may still reach (the git host and the artifact repository). @default [] */
    egress: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** Engine-only settings: flags of `pipec build --target`, never part of the plan. */
export const TargetProfileSchema = z
  .object({
    github: z
      .object({
        /** Runner label(s) for `runs-on`. @default ["ubuntu-latest"] */
        runsOn: z.array(z.string().min(1)).min(1).default(["ubuntu-latest"]),
      })
      .strict()
      .prefault({}),
    gitlab: z
      .object({
        /** Runner tags for every job. @default [] */
        tags: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    argo: ArgoProfileSchema.prefault({}),
  })
  .strict();
export type TargetProfile = z.output<typeof TargetProfileSchema>;
export type TargetProfileInput = z.input<typeof TargetProfileSchema>;

export interface EmitOptions {
  readonly profile: TargetProfile;
  /** The pipec version written in the header; `--check` compares it. */
  readonly pipecVersion: string;
}

export interface EmittedFile {
  /** Where the file goes by default, relative to the project (`-o` replaces it). */
  readonly path: string;
  readonly content: string;
}

export interface EmitResult {
  /** Empty when a diagnostic is an error: nothing is written then. */
  readonly files: readonly EmittedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

/** How a plan field reaches a target. */
export type Coverage = "exact" | "lowered" | "approximated" | "refused";

export interface FeatureSupport {
  readonly coverage: Coverage;
  /** How: the engine construct, the lowering, or what is lost. */
  readonly note: string;
}

export interface Target {
  readonly name: TargetName;
  readonly title: string;
  /** `file`: -o names the file; `directory`: -o names a folder that receives every emitted file. */
  readonly writes: "file" | "directory";
  /** One entry per plan field (`job.retry.max`, ...); a unit test holds it complete. */
  readonly features: Readonly<Record<string, FeatureSupport>>;
  emit(plan: Plan, options: EmitOptions): EmitResult;
}
