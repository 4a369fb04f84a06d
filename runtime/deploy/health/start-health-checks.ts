/**
 * The thin shell around the tracker: real timers, real probes. Probes each instance on the tracker's
 * schedule, bounds every probe by `timeoutMs` (even one that ignores its timeout), and reports state
 * changes as they happen.
 */
import type { Instance, Probe, ProbeResult } from "../types.ts";
import { createHealthTracker } from "./tracker.ts";
import type { HealthChange, HealthTiming, InstanceHealth } from "./types.ts";

export interface HealthChecks {
  /** Starts checking another instance; its initial delay counts from now. `ready`: adopted as ready (next probe an interval from now). */
  add(instance: Instance, ready?: boolean): void;
  /** Stops checking it; a probe in flight is ignored when it ends. */
  remove(instanceId: string): void;
  get(instanceId: string): InstanceHealth | undefined;
  /** Stops all checks; resolves once the probes in flight have ended. No change is reported after. */
  stop(): Promise<void>;
}

export interface HealthCheckOptions {
  /** The clock the changes' `at` is read from. @default Date.now */
  readonly now?: () => number;
}

/** Slack given to a probe beyond its own timeout before the shell counts it as timed out. */
const PROBE_TIMEOUT_SLACK_MS = 100;

export function startHealthChecks(
  instances: readonly Instance[],
  probe: Probe,
  timing: HealthTiming,
  onChange: (change: HealthChange, instance: Instance) => void,
  options: HealthCheckOptions = {},
): HealthChecks {
  const now = options.now ?? Date.now;
  const tracker = createHealthTracker(timing);
  const known = new Map<string, Instance>();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const due = tracker.nextDueAt();
    if (due === null) return;
    timer = setTimeout(tick, Math.max(0, due - now()));
  };

  const tick = () => {
    for (const id of tracker.dueProbes(now())) {
      const instance = known.get(id);
      if (instance === undefined) continue;
      const run = boundedProbe(probe, instance, timing.timeoutMs).then((result) => {
        if (stopped || known.get(id) !== instance) return;
        const change = tracker.record(id, result, now());
        if (change !== null) onChange(change, instance);
      });
      const tracked = run.finally(() => {
        inFlight.delete(tracked);
        schedule();
      });
      inFlight.add(tracked);
    }
    schedule();
  };

  const checks: HealthChecks = {
    add(instance, ready) {
      if (stopped || known.has(instance.id)) return;
      known.set(instance.id, instance);
      tracker.add(instance.id, now(), ready);
      schedule();
    },
    remove(instanceId) {
      known.delete(instanceId);
      tracker.remove(instanceId);
      schedule();
    },
    get(instanceId) {
      return tracker.get(instanceId);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
  for (const instance of instances) checks.add(instance);
  return checks;
}

/** The probe's result, a failure if it throws, and a timeout failure if it overruns. */
function boundedProbe(probe: Probe, instance: Instance, timeoutMs: number): Promise<ProbeResult> {
  let guard: NodeJS.Timeout | undefined;
  const overrun = new Promise<ProbeResult>((resolve) => {
    guard = setTimeout(() => resolve({ ok: false, reason: `the probe gave no result within ${timeoutMs} ms` }), timeoutMs + PROBE_TIMEOUT_SLACK_MS);
  });
  const result = Promise.resolve()
    .then(() => probe(instance, timeoutMs))
    .catch((error: unknown): ProbeResult => ({ ok: false, reason: `the probe failed: ${error instanceof Error ? error.message : String(error)}` }));
  return Promise.race([result, overrun]).finally(() => clearTimeout(guard));
}
