/**
 * Engine-only settings for `pipec build --target github|gitlab|argo --profile pipec.targets.ts`:
 * runner labels and tags, the cluster's repository, secret and artifact store, which never enter the plan.
 *
 *   import { targets } from "pipec";
 *   export default targets({ github: { runsOn: ["ubuntu-24.04"] }, gitlab: { tags: ["docker"] } });
 */

/**
 * What `--profile` accepts: the input side of the compiler's TargetProfileSchema, written out so that
 * a pipeline's type-check does not load zod (test/dsl/types.test.ts holds the two equal).
 */
export interface TargetsProfile {
  readonly github?: {
    /** Runner label(s) for `runs-on`. @default ["ubuntu-latest"] */
    readonly runsOn?: string[] | undefined;
  } | undefined;
  readonly gitlab?: {
    /** Runner tags for every job. @default [] */
    readonly tags?: string[] | undefined;
  } | undefined;
  readonly argo?: {
    /** `Workflow` (submit it) or `WorkflowTemplate` (register it, then submit runs of it). @default "Workflow" */
    readonly kind?: "Workflow" | "WorkflowTemplate" | undefined;
    /** metadata.namespace of every document; null: the namespace kubectl or argo is given. @default null */
    readonly namespace?: string | null | undefined;
    /** The Workflow's service account (it applies Rollouts, so it needs RBAC for them). @default null */
    readonly serviceAccount?: string | null | undefined;
    /** The git repository each job checks out into its workspace; needed by every job with steps. @default null */
    readonly source?: { readonly repo: string; readonly depth?: number | null | undefined } | null | undefined;
    /** The Kubernetes Secret whose keys are the plan's secret names; needed when the plan names secrets. @default null */
    readonly secretName?: string | null | undefined;
    /** spec.artifactRepositoryRef: needed when jobs pass outputs. @default null */
    readonly artifactRepositoryRef?: { readonly configMap: string; readonly key: string } | null | undefined;
    /** A Rollouts canary `trafficRouting` block, written as given; without it weights are replica ratios. @default null */
    readonly trafficRouting?: Record<string, unknown> | null | undefined;
    /** PromQL for pipec's builtin (router) metrics (`${DEPLOYMENT}` is the deployment's name); a builtin metric without a query is refused. @default null */
    readonly prometheus?: {
      readonly address: string;
      readonly queries?: Partial<Record<"successRate" | "errorRate" | "latencyAvg" | "latencyP50" | "latencyP95" | "latencyP99" | "requests", string>> | undefined;
    } | null | undefined;
    /** The image that runs command metrics (a Kubernetes Job); null: the deployment's own image. @default null */
    readonly analysisImage?: string | null | undefined;
    /** CIDRs a `network: none` job's pod may still reach (the git host and the artifact repository). @default [] */
    readonly egress?: string[] | undefined;
  } | undefined;
}

/** Returns the profile as written; its type is what `--profile` accepts. */
export function targets(profile: TargetsProfile): TargetsProfile {
  return profile;
}
