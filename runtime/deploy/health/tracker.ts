/**
 * Kubernetes readiness-probe semantics as a pure state machine over (instance, probe result, time):
 * no timers, no I/O; the caller passes `now` (tested with a fake clock, driven by `startHealthChecks`).
 *
 *  - The first probe of an instance is due `initialDelayMs` after it was added; then one every
 *    `intervalMs`, counted from the start of the previous probe (a slow probe does not shift the
 *    cadence; one slower than the interval is followed by the next at once). Never two at a time.
 *  - A success resets the failure count and a failure the success count (consecutive counts only).
 *  - `successThreshold` consecutive successes make it ready; `failureThreshold` consecutive failures
 *    make it unready. A pending instance that reaches the failure threshold first becomes unready
 *    (Kubernetes keeps it "not ready" silently; the deploy loop wants to know).
 */
import type { ProbeResult } from "../types.ts";
import type { HealthChange, HealthState, HealthTiming, InstanceHealth } from "./types.ts";

export interface HealthTracker {
  /**
   * Starts tracking an instance added at `now`; adding a tracked one again does nothing. `ready`: an
   * instance already known ready (adopted from another pool): it starts ready, next probed an
   * interval from now.
   */
  add(instanceId: string, now: number, ready?: boolean): void;
  remove(instanceId: string): void;
  /** The instances to probe now; they count as probing until their result is recorded. */
  dueProbes(now: number): string[];
  /** Records a probe's result; returns the state change it causes, if any. Unknown instances are ignored. */
  record(instanceId: string, result: ProbeResult, now: number): HealthChange | null;
  get(instanceId: string): InstanceHealth | undefined;
  /** The earliest time a probe is due among instances not being probed; null when none is waiting. */
  nextDueAt(): number | null;
}

interface Entry {
  state: HealthState;
  successes: number;
  failures: number;
  lastFailure: string | null;
  nextProbeAt: number;
  probeStartedAt: number | null;
  readonly probingAllowedFrom: number;
}

export function createHealthTracker(timing: HealthTiming): HealthTracker {
  validate(timing);
  const entries = new Map<string, Entry>();
  return {
    add(instanceId, now, ready = false) {
      if (entries.has(instanceId)) return;
      const first = ready ? now + timing.intervalMs : now + timing.initialDelayMs;
      entries.set(instanceId, {
        state: ready ? "ready" : "pending",
        successes: ready ? timing.successThreshold : 0,
        failures: 0,
        lastFailure: null,
        nextProbeAt: first,
        probeStartedAt: null,
        probingAllowedFrom: first,
      });
    },

    remove(instanceId) {
      entries.delete(instanceId);
    },

    dueProbes(now) {
      const due: string[] = [];
      for (const [id, entry] of entries) {
        if (entry.probeStartedAt !== null || now < entry.nextProbeAt) continue;
        entry.probeStartedAt = now;
        due.push(id);
      }
      return due;
    },

    record(instanceId, result, now) {
      const entry = entries.get(instanceId);
      // Removed while its probe ran, or a result from before the initial delay: not counted.
      if (entry === undefined || now < entry.probingAllowedFrom) return null;
      const startedAt = entry.probeStartedAt ?? now;
      entry.probeStartedAt = null;
      entry.nextProbeAt = Math.max(now, startedAt + timing.intervalMs);
      if (result.ok) {
        entry.successes++;
        entry.failures = 0;
      } else {
        entry.failures++;
        entry.successes = 0;
        entry.lastFailure = result.reason;
      }
      const next = nextState(entry, timing);
      if (next === entry.state) return null;
      const change: HealthChange = { instanceId, from: entry.state, to: next, at: now, reason: next === "ready" ? null : entry.lastFailure };
      entry.state = next;
      return change;
    },

    get(instanceId) {
      const entry = entries.get(instanceId);
      if (entry === undefined) return undefined;
      return {
        state: entry.state,
        consecutiveSuccesses: entry.successes,
        consecutiveFailures: entry.failures,
        lastFailure: entry.lastFailure,
        nextProbeAt: entry.probeStartedAt ?? entry.nextProbeAt,
        probing: entry.probeStartedAt !== null,
      };
    },

    nextDueAt() {
      let earliest: number | null = null;
      for (const entry of entries.values()) {
        if (entry.probeStartedAt !== null) continue;
        if (earliest === null || entry.nextProbeAt < earliest) earliest = entry.nextProbeAt;
      }
      return earliest;
    },
  };
}

function nextState(entry: Entry, timing: HealthTiming): HealthState {
  if (entry.state !== "ready" && entry.successes >= timing.successThreshold) return "ready";
  if (entry.state !== "unready" && entry.failures >= timing.failureThreshold) return "unready";
  return entry.state;
}

function validate(timing: HealthTiming): void {
  const problems: string[] = [];
  if (!(timing.intervalMs > 0)) problems.push(`intervalMs must be > 0 (got ${timing.intervalMs})`);
  if (!(timing.timeoutMs > 0)) problems.push(`timeoutMs must be > 0 (got ${timing.timeoutMs})`);
  if (!(timing.initialDelayMs >= 0)) problems.push(`initialDelayMs must be >= 0 (got ${timing.initialDelayMs})`);
  if (!Number.isInteger(timing.failureThreshold) || timing.failureThreshold < 1) problems.push(`failureThreshold must be an integer >= 1 (got ${timing.failureThreshold})`);
  if (!Number.isInteger(timing.successThreshold) || timing.successThreshold < 1) problems.push(`successThreshold must be an integer >= 1 (got ${timing.successThreshold})`);
  if (problems.length > 0) throw new RangeError(`Invalid health check timing: ${problems.join("; ")}`);
}
