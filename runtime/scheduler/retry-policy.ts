/**
 * Whether a failed attempt is retried, and after how long. Exponential backoff with "full jitter"
 * (a uniform delay between 0 and the exponential step), which spreads retries of jobs that failed
 * together, e.g. when the registry they all pull from had a hiccup.
 */
import type { Retry } from "../plan/schema.ts";
import type { AttemptOutcome } from "./types.ts";

/** The classes `retry.on` names. */
export type FailureClass = Retry["on"][number];

/** The attempt's outcome as the scheduler understands it, after taking its own stop requests into account. */
export type SettledOutcome = { readonly kind: "success" } | { readonly kind: "cancelled" } | { readonly kind: "failure"; readonly class: FailureClass };

/**
 * A stop the core asked for decides how a non-successful attempt ends, whatever the executor says
 * (a container killed for its deadline may report exit 137): "timeout" means timed out, "cancel"
 * means cancelled. A "cancelled" outcome the core did not ask for means something outside pipec
 * stopped the job: that is an infrastructure failure, and may be retried.
 */
export function settleOutcome(outcome: AttemptOutcome, stopping: "timeout" | "cancel" | null): SettledOutcome {
  if (outcome === "success") return { kind: "success" };
  if (stopping === "cancel") return { kind: "cancelled" };
  if (stopping === "timeout" || outcome === "timed-out") return { kind: "failure", class: "timeout" };
  if (outcome === "failed") return { kind: "failure", class: "exit-code" };
  return { kind: "failure", class: "infrastructure" };
}

/** True when attempt number `attempt` (1-based) failed in a way `retry` covers and attempts remain. */
export function shouldRetry(retry: Retry, attempt: number, failure: FailureClass, exitCode: number | null): boolean {
  if (attempt > retry.max) return false;
  if (!retry.on.includes(failure)) return false;
  if (failure !== "exit-code" || retry.exitCodes.length === 0) return true;
  return exitCode !== null && retry.exitCodes.includes(exitCode);
}

/**
 * Delay before the attempt after `attempt` (1-based): min(maxMs, initialMs * factor^(attempt-1)),
 * or with jitter a whole number of ms drawn uniformly from [0, that).
 */
export function backoffDelayMs(backoff: Retry["backoff"], attempt: number, random: () => number): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (attempt - 1));
  if (!backoff.jitter) return Math.round(step);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * step), Math.round(step));
}
