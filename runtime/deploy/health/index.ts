/**
 * Health checks with Kubernetes probe semantics: probes (http, tcp, command), a pure tracker of
 * readiness per instance, and a thin shell that drives it with real timers.
 */
export { commandProbe, type CommandProbeOptions } from "./command-probe.ts";
export { httpProbe, type HttpProbeOptions } from "./http-probe.ts";
export { probeForCheck } from "./probe-for-check.ts";
export { startHealthChecks, type HealthCheckOptions, type HealthChecks } from "./start-health-checks.ts";
export { tcpProbe } from "./tcp-probe.ts";
export { createHealthTracker, type HealthTracker } from "./tracker.ts";
export type { HealthChange, HealthCheck, HealthState, HealthTiming, InstanceHealth } from "./types.ts";
