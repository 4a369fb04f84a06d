/**
 * The deployment engine's data: observations the loop feeds in, actions it gets back, and the state
 * in between. Plain, serialisable data; roles, not version ids: "stable" is the version that served
 * when the deployment started and "canary" the new one (blue and green, old and new for rolling),
 * for the whole deployment, also after promotion.
 */
import type { Metric } from "../../plan/schema.ts";
import type { AnalysisRun, MetricSample } from "../analysis/index.ts";
import type { VersionRole } from "../types.ts";

export type DeployPhase = "Progressing" | "Paused" | "Promoting" | "Healthy" | "Degraded";
export type PausedReason = "step" | "approval" | "inconclusive";
export type DeployResult = "healthy" | "degraded";

/** Percent of traffic per role; the two sum to 100 (both 0 before a first deploy has instances). */
export interface Weights {
  readonly stable: number;
  readonly canary: number;
}

export interface InstanceFailure {
  readonly id: string;
  readonly reason: string;
}

export type DeployObservation =
  /** Time passed; deliver one at `wakeAt` (and whenever convenient). */
  | { readonly type: "tick" }
  /** The full list of one role's instances now: ready (health check passing), unready, and failed (exited, or health given up). */
  | {
      readonly type: "instances";
      readonly version: VersionRole;
      readonly ready: readonly string[];
      readonly unready: readonly string[];
      readonly failed?: readonly InstanceFailure[];
    }
  /** What the router applies now, read back after a set-weights (`Router.readWeights`). */
  | { readonly type: "weights-confirmed"; readonly weights: Weights }
  /** A provider's answer to a `measure` action. */
  | { readonly type: "measurement"; readonly analysisId: string; readonly metric: string; readonly sample: MetricSample }
  /** `pipec approve RUN GATE`. */
  | { readonly type: "approval"; readonly gate: string }
  /** `pipec promote RUN [--full]`. */
  | { readonly type: "promote"; readonly full?: boolean }
  /** `pipec abort RUN`. */
  | { readonly type: "abort"; readonly reason?: string };

export type DeployAction =
  /** Start `count` more instances of the role; report them through `instances` observations. */
  | { readonly type: "start-instances"; readonly version: VersionRole; readonly count: number }
  /** Take the instances out of the router, drain and stop them ("all": every instance of the role, starting ones included). */
  | { readonly type: "stop-instances"; readonly version: VersionRole; readonly ids: readonly string[] | "all"; readonly reason: string }
  /** `Router.setWeights`, then `readWeights`, and report a `weights-confirmed`. */
  | { readonly type: "set-weights"; readonly weights: Weights }
  /**
   * Ask the metric's provider now (about `version`); report a `measurement`. Router metrics cover the
   * traffic since `since` (up to the moment the router is asked), or the last `windowMs` when `since` is null.
   */
  | {
      readonly type: "measure";
      readonly analysisId: string;
      readonly metric: Metric;
      readonly version: VersionRole;
      readonly at: number;
      readonly windowMs: number;
      readonly since: number | null;
    }
  /** A manual gate is open until `approval`/`promote` (or `timeoutAt`). */
  | { readonly type: "await-approval"; readonly gate: string; readonly timeoutAt: number | null }
  | { readonly type: "approval-closed"; readonly gate: string; readonly outcome: "approved" | "promoted" | "timed-out" | "aborted" }
  /** The status line changed (render it, record it for `pipec status`). */
  | { readonly type: "status"; readonly phase: DeployPhase; readonly pausedReason: PausedReason | null; readonly stepIndex: number | null; readonly message: string }
  /** The verdict: the deploy step ends with it (non-zero with `reason` when degraded). Cleanup may follow. */
  | { readonly type: "finished"; readonly result: DeployResult; readonly reason: string | null }
  /** Nothing more will happen: the verdict is out and every scale-down is done. */
  | { readonly type: "settled" }
  | { readonly type: "log"; readonly level: "info" | "warn"; readonly message: string };

export interface VersionInstances {
  /** Whether an `instances` observation arrived for the role. */
  reported: boolean;
  ready: string[];
  unready: string[];
  /** When each ready instance was first seen ready without interruption (minReady). */
  readySince: Record<string, number>;
  /** Started but not yet seen in an observation. */
  starting: number;
  /** Asked to stop, still listed. */
  stopping: string[];
  /** Failed instances already seen (each is acted on once). */
  failed: string[];
  /** Every id ever seen, to tell new instances from known ones. */
  known: string[];
}

export interface StageProgress {
  enteredAt: number;
  /** End of a timed pause (or blue-green autoPromoteAfter). */
  pauseUntil: number | null;
  approvalTimeoutAt: number | null;
  analysisId: string | null;
  /** Released by promote or approval (pause, approval and analysis stages). */
  released: boolean;
}

export interface AbortState {
  reason: string;
  at: number;
  /** Give up confirming the traffic back on stable at this time (the verdict is out regardless). */
  deadlineAt: number;
}

/** The mutable shape the engine works on; callers see it as DeployState (deeply readonly). */
export interface DeployStateData {
  strategy: "canary" | "blueGreen" | "rolling";
  hasStable: boolean;
  startedAt: number;
  phase: DeployPhase;
  pausedReason: PausedReason | null;
  message: string;
  /** Index into the engine's stages (see README). */
  stageIndex: number;
  /** The plan's canary step the current stage comes from; null for generated stages. */
  stepIndex: number | null;
  stage: StageProgress;
  /** `promote --full`: pauses, approvals and analyses are skipped from now on. */
  full: boolean;
  /** A background analysis came back inconclusive: progress waits for promote or abort. */
  heldByBackground: boolean;
  instances: Record<VersionRole, VersionInstances>;
  weights: { desired: Weights; confirmed: Weights | null; requestedAt: number | null };
  /** Every analysis run of this deployment by id, finished ones included. */
  analyses: Record<string, AnalysisRun>;
  backgroundAnalysisId: string | null;
  analysisCount: number;
  progressDeadlineAt: number | null;
  progressDeadlineExceeded: boolean;
  abort: AbortState | null;
  verdict: { result: DeployResult; reason: string | null } | null;
  scaleDown: { version: VersionRole; at: number } | null;
  settled: boolean;
}

type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type DeployState = DeepReadonly<DeployStateData>;

export interface DeployStepResult {
  readonly state: DeployState;
  readonly actions: readonly DeployAction[];
  /** Deliver a `tick` at this time (or earlier); null: only outside observations can move it on. */
  readonly wakeAt: number | null;
}
