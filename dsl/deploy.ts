/**
 * Deployment jobs: `deploy.canary()`, `deploy.blueGreen()`, `deploy.rolling()`. The shapes follow
 * Argo Rollouts (explicit steps, AnalysisTemplate metrics) with Flagger's fixes: an explicit no-data
 * policy and abort on progress deadline by default.
 */
import { captureCallSite } from "./brand.ts";
import { makeJob, type AnyJob, type Job, type JobOptions } from "./job.ts";
import type { OutputRef } from "./output.ts";
import type { Env } from "./secret.ts";
import type { ConditionLike } from "./condition.ts";
import type { Duration, Percent } from "./types.ts";

export type Target =
  | { readonly kind: "docker"; readonly image: string; readonly command?: readonly string[]; readonly env?: Env }
  | { readonly kind: "process"; readonly command: readonly string[]; readonly env?: Env };
/** Instances run as containers (host network, told their port through `PORT`). */
export const docker = (options: Omit<Extract<Target, { kind: "docker" }>, "kind">): Target => ({ kind: "docker", ...options });
/** Instances run as host processes on 127.0.0.1:$PORT. */
export const processTarget = (options: Omit<Extract<Target, { kind: "process" }>, "kind">): Target => ({ kind: "process", ...options });

export interface HealthCheck {
  readonly http?: { readonly path: string; readonly expectStatus?: readonly [number, number] };
  readonly tcp?: boolean;
  readonly command?: readonly string[];
  /** @default "10s" */ readonly interval?: Duration;
  /** @default "1s" */ readonly timeout?: Duration;
  /** @default "0s" */ readonly initialDelay?: Duration;
  /** @default 3 */ readonly failureThreshold?: number;
  /** @default 1 */ readonly successThreshold?: number;
}

export type MetricProvider =
  | { readonly builtin: "successRate" | "errorRate" | "latencyAvg" | "latencyP50" | "latencyP95" | "latencyP99" | "requests" }
  | { readonly http: { readonly url: string; readonly method?: "GET" | "POST" | "PUT"; readonly headers?: Readonly<Record<string, string>>; readonly body?: string; readonly jsonPath?: string; readonly timeout?: Duration } }
  | { readonly command: { readonly run: readonly string[]; readonly timeout?: Duration } };

export interface Metric {
  readonly name: string;
  readonly provider: MetricProvider;
  readonly threshold?: { readonly min?: number; readonly max?: number };
  /** e.g. `"result >= 0.99"` */
  readonly successCondition?: string;
  readonly failureCondition?: string;
  /**
   * Builtin (router) metrics are measured at the end of each interval, over the requests since the
   * weight change or the previous measurement. @default "10s" for builtin metrics; http and command
   * metrics without one are measured once
   */
  readonly interval?: Duration;
  readonly count?: number;
  /** Traffic before this is left out of the first window. @default "0s" */
  readonly initialDelay?: Duration;
  /** A sliding window instead (builtin metrics): the last `window` of traffic at each measurement. */
  readonly window?: Duration;
  /** @default 0 */ readonly failureLimit?: number;
  /** @default 0 */ readonly inconclusiveLimit?: number;
  /** @default 4 */ readonly consecutiveErrorLimit?: number;
  /** Builtin metrics: fewer requests than this in a window keeps it open, until the progress deadline. @default 20 */
  readonly minRequests?: number;
  /** What "no data" counts as (for builtin metrics: still no data at the progress deadline); never a silent pass unless you say so. @default "inconclusive" */
  readonly noData?: "inconclusive" | "fail" | "pass";
  readonly dryRun?: boolean;
}
export interface Analysis {
  readonly metrics: readonly Metric[];
}

export type CanaryStep =
  | { readonly setWeight: Percent }
  | { readonly pause: { readonly duration?: Duration } }
  | { readonly analysis: Analysis }
  | { readonly approval: { readonly name?: string; readonly timeout?: Duration; readonly onTimeout?: "abort" | "promote" } };

export interface DeploymentCommon {
  readonly target: Target;
  /** @default 1 */ readonly replicas?: number;
  /** @default { kind: "builtin", listen: "127.0.0.1:8080" } */
  readonly router?: { readonly kind?: "builtin" | "haproxy"; readonly listen?: string; readonly previewListen?: string };
  readonly healthCheck?: HealthCheck;
  /** @default "10m" */ readonly progressDeadline?: Duration;
  /** @default true */ readonly abortOnProgressDeadline?: boolean;
  /** @default 10 */ readonly revisionHistoryLimit?: number;
  /** @default "30s" */ readonly drainTimeout?: Duration;
  /** Keep the old version warm after promotion, for an instant undo. @default "30s" */
  readonly scaleDownDelay?: Duration;
  /** @default "30s" */ readonly abortScaleDownDelay?: Duration;
  /**
   * A deployment name belongs to the pipeline that first deployed it; another pipeline deploying the
   * same name is refused unless it says `takeOver: true` (then it owns the name from now on). @default false
   */
  readonly takeOver?: boolean;
  /**
   * The router and the current revision keep serving after `pipec run` ends, in a supervised
   * background process (`pipec deploy status|undo|stop NAME`); `false`: a preview deployment that
   * ends with the run. @default true
   */
  readonly keep?: boolean;
}
export interface CanaryOptions extends DeploymentCommon {
  readonly steps?: readonly CanaryStep[];
  /** Background analysis across all steps. */
  readonly analysis?: Analysis;
  /** @default "pause" */ readonly onInconclusive?: "pause" | "abort";
}
export interface BlueGreenOptions extends DeploymentCommon {
  readonly previewReplicas?: number;
  /** @default true */ readonly autoPromote?: boolean;
  readonly autoPromoteAfter?: Duration;
  readonly prePromotionAnalysis?: Analysis;
  readonly postPromotionAnalysis?: Analysis;
}
export interface RollingOptions extends DeploymentCommon {
  /** @default "25%" */ readonly maxSurge?: number | `${number}%`;
  /** @default "25%" */ readonly maxUnavailable?: number | `${number}%`;
  readonly minReady?: Duration;
  readonly analysis?: Analysis;
}

export type Deployment =
  | ({ readonly strategy: "canary" } & CanaryOptions)
  | ({ readonly strategy: "blueGreen" } & BlueGreenOptions)
  | ({ readonly strategy: "rolling" } & RollingOptions);

/** The job-level options a deployment job takes besides its strategy. */
export type DeployJobOptions = Pick<JobOptions<{}, never>, "env" | "secrets" | "timeout" | "allowFailure" | "approval"> & {
  readonly needs?: readonly AnyJob[];
  readonly inputs?: readonly OutputRef[];
  readonly if?: ConditionLike;
};

function deployment<S extends Deployment["strategy"]>(strategy: S) {
  const build = <const N extends string>(name: N, options: Omit<Extract<Deployment, { strategy: S }>, "strategy"> & DeployJobOptions): Job<N, never, {}> => {
    const { needs, inputs, env, secrets, timeout, allowFailure, approval, if: condition, ...spec } = options;
    const jobOptions: JobOptions<{}, never> = { needs, inputs, env, secrets, timeout, allowFailure, approval, if: condition };
    return makeJob(name, jobOptions, { strategy, ...spec } as Deployment, captureCallSite(build));
  };
  return build;
}

export const deploy = {
  /** Shift traffic step by step (`setWeight`, `pause`, `analysis`, `approval`), rolling back on failed analysis. */
  canary: deployment("canary"),
  /** Start the new version beside the old, analyse it, switch all traffic at once, switch back on failure. */
  blueGreen: deployment("blueGreen"),
  /** Replace instances in batches bounded by `maxSurge` and `maxUnavailable`, gated by health. */
  rolling: deployment("rolling"),
};
