/**
 * The deployment contract: the pieces a deployment job is made of, each a small interface, so that
 * strategies stay pure and the I/O lives in thin adapters.
 *
 *   strategy (pure state machine: canary | blueGreen | rolling)
 *       ▲ observations                │ actions
 *       │                             ▼
 *   deploy loop (shell) ──► Router (builtin reverse proxy | haproxy): weights per version, header routes, metrics
 *                       └─► TargetDriver (docker | process): start/stop instances on 127.0.0.1:PORT
 *                       └─► HealthChecker: k8s probe semantics per instance
 *                       └─► Analysis providers: router metrics | http | command
 */

/** A version of the deployed target: "stable" is what serves now, "canary" (or "preview") the new one. */
export type VersionRole = "stable" | "canary";

export interface InstanceAddress {
  readonly id: string;
  readonly host: "127.0.0.1";
  readonly port: number;
}

/* ------------------------------------------------------------------ router */

export interface VersionMetrics {
  readonly requests: number;
  readonly errors: number;
  /** errors / requests; null with no requests. */
  readonly errorRate: number | null;
  readonly successRate: number | null;
  readonly latencyAvgMs: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  readonly latencyP99Ms: number | null;
}

export interface HeaderRoute {
  readonly name: string;
  readonly header: string;
  readonly match: { readonly exact: string } | { readonly prefix: string } | { readonly regex: string };
  /** The version that requests matching the route go to, whatever the weights. */
  readonly version: string;
}

export interface Router {
  readonly kind: "builtin" | "haproxy";
  /** `127.0.0.1:PORT` where clients connect. */
  readonly listen: string;
  /** Replaces the instances serving `version`. Instances not listed stop receiving new requests; in-flight ones finish. */
  setInstances(version: string, instances: readonly InstanceAddress[]): Promise<void>;
  /** Percent per version, summing to 100. Resolves once the router applies them. */
  setWeights(weights: Readonly<Record<string, number>>): Promise<void>;
  /** What the router actually applies now, read back (Argo's VerifyWeight). */
  readWeights(): Promise<Record<string, number>>;
  setHeaderRoute(route: HeaderRoute): Promise<void>;
  removeHeaderRoute(name: string): Promise<void>;
  /** Requests per version in the last `windowMs`. Null when the router cannot measure (then analysis must use another provider). */
  metrics(version: string, windowMs: number): Promise<VersionMetrics | null>;
  /** Cookie stickiness, where the router supports it (builtin); HAProxy has none. */
  setStickiness?(stickiness: { readonly cookie: string; readonly maxAgeMs?: number } | null): Promise<void>;
  close(): Promise<void>;
}

/* ------------------------------------------------------------------ targets and health */

export interface Instance extends InstanceAddress {
  readonly version: string;
}

export interface TargetDriver {
  readonly kind: "docker" | "process";
  /** Starts one instance of `version` listening on 127.0.0.1:`port` (told through PORT). */
  start(request: {
    readonly deployment: string;
    readonly version: string;
    readonly index: number;
    readonly port: number;
    readonly env: Readonly<Record<string, string>>;
    /**
     * Called as soon as the instance exists, before it is ready, with the id that stops it (and that a
     * crash's reaper reads from status.json): a process group, so that one killed hard while its instance
     * starts leaves nothing no one can find. Drivers whose instances are found otherwise (containers, by
     * label) need not call it.
     */
    readonly onSpawned?: (driverId: string) => void;
  }): Promise<Instance>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(instance: Instance, graceMs: number): Promise<void>;
  /** Removes every instance of a deployment (after a crash). */
  cleanup(deployment: string): Promise<number>;
}

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** One probe of one instance: http (status in range), tcp (connects), or command (exit 0). */
export type Probe = (instance: Instance, timeoutMs: number) => Promise<ProbeResult>;

/* ------------------------------------------------------------------ analysis */

/** One measurement of one metric. */
export type Measurement =
  | { readonly phase: "successful" | "failed" | "inconclusive"; readonly value: number | null; readonly message: string }
  | { readonly phase: "error"; readonly value: null; readonly message: string };
