import type { Deployment } from "../../plan/schema.ts";

/** A deployment's health check as the plan gives it (probe kinds and timings). */
export type HealthCheck = Deployment["healthCheck"];

/** The timings of a health check (Kubernetes probe fields, in milliseconds). */
export type HealthTiming = Pick<HealthCheck, "intervalMs" | "timeoutMs" | "initialDelayMs" | "failureThreshold" | "successThreshold">;

/**
 * "pending": no verdict yet (as Kubernetes, it does not take traffic). "ready" after
 * `successThreshold` consecutive successes; "unready" after `failureThreshold` consecutive failures.
 */
export type HealthState = "pending" | "ready" | "unready";

export interface InstanceHealth {
  readonly state: HealthState;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** Why the last failed probe failed; null until one fails. */
  readonly lastFailure: string | null;
  /** When the next probe is due (the tracker's clock); while a probe runs, when it was started. */
  readonly nextProbeAt: number;
  readonly probing: boolean;
}

export interface HealthChange {
  readonly instanceId: string;
  readonly from: HealthState;
  readonly to: HealthState;
  readonly at: number;
  /** The failure that made it unready; null when it became ready. */
  readonly reason: string | null;
}
