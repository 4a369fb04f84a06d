import http from "node:http";
import type { InstanceAddress } from "../../types.ts";
import { MetricsWindow, type MetricsWindowOptions } from "./metrics-window.ts";
import { UpstreamConnections } from "./upstream-connections.ts";

/**
 * One instance the proxy sends requests to, with its keep-alive connections: the fast path's own
 * (`connections`), and node:http's agent for the connections handed to node:http.
 */
export class Upstream {
  /** Requests sent to it that have not finished. */
  inFlight = 0;
  /** Set when `setInstances` dropped it: it gets no new requests and closes once idle. */
  removed = false;
  readonly connections: UpstreamConnections;
  private httpAgent: http.Agent | undefined;

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly options: UpstreamAgentOptions,
  ) {
    this.connections = new UpstreamConnections(port, {
      max: options.maxSocketsPerInstance ?? 64,
      maxIdle: options.maxFreeSocketsPerInstance ?? 16,
      timeoutMs: options.upstreamTimeoutMs ?? 30_000,
    });
  }

  /** node:http's agent, created on first use. */
  get agent(): http.Agent {
    this.httpAgent ??= new http.Agent({
      keepAlive: true,
      maxSockets: this.options.maxSocketsPerInstance ?? 64,
      maxFreeSockets: this.options.maxFreeSocketsPerInstance ?? 16,
      scheduling: "lifo",
      timeout: this.options.upstreamTimeoutMs ?? 30_000,
    });
    return this.httpAgent;
  }

  destroy(): void {
    this.connections.destroy();
    this.httpAgent?.destroy();
  }
}

export interface UpstreamAgentOptions {
  /** Connections per instance, in use and idle. @default 64 */
  readonly maxSocketsPerInstance?: number;
  /** Idle keep-alive connections kept per instance. @default 16 */
  readonly maxFreeSocketsPerInstance?: number;
  /**
   * An upstream silent for this long (no response, or a stalled body) gets its request failed
   * (504 before the response); idle keep-alive connections close after it too. Set once per
   * connection, not per request, to keep timers off the hot path. @default 30000
   */
  readonly upstreamTimeoutMs?: number;
}

/**
 * The instances of one version, picked in round robin, and the metrics measured for the version.
 * Dropped instances drain: requests in flight finish on their connections, then the connections
 * close.
 */
export class VersionPool {
  readonly metrics: MetricsWindow;
  /** Current weight in percent (0 = only header routes reach it). */
  weight = 0;
  /** Named in setInstances or setWeights: listed by readWeights. */
  listed = false;
  /** `Set-Cookie` value pinning a client to this version, while stickiness is on. */
  stickyCookie: string | undefined;
  /** Another version a request may be retried on when this one has no other instance (set by the router). */
  fallback: (() => VersionPool | undefined) | undefined;
  private upstreams: Upstream[] = [];
  private cursor = 0;

  constructor(
    readonly version: string,
    private readonly agentOptions: UpstreamAgentOptions,
    metricsOptions: MetricsWindowOptions,
  ) {
    this.metrics = new MetricsWindow(metricsOptions);
  }

  get size(): number {
    return this.upstreams.length;
  }

  /** Replaces the instances; ones kept (same id and port) keep their connections. */
  setInstances(instances: readonly InstanceAddress[]): void {
    const previous = new Map(this.upstreams.map((upstream) => [`${upstream.id}\0${upstream.port}`, upstream]));
    const next: Upstream[] = [];
    for (const instance of instances) {
      const key = `${instance.id}\0${instance.port}`;
      const kept = previous.get(key);
      previous.delete(key);
      next.push(kept ?? this.createUpstream(instance));
    }
    this.upstreams = next;
    this.cursor = 0;
    for (const dropped of previous.values()) {
      dropped.removed = true;
      if (dropped.inFlight === 0) dropped.destroy();
    }
  }

  /** The next instance in round robin, skipping `exclude` when there is another one. */
  next(exclude?: Upstream): Upstream | undefined {
    const upstreams = this.upstreams;
    const count = upstreams.length;
    if (count === 0) return undefined;
    let upstream = upstreams[this.cursor % count] as Upstream;
    this.cursor = (this.cursor + 1) % count;
    if (upstream === exclude && count > 1) {
      upstream = upstreams[this.cursor] as Upstream;
      this.cursor = (this.cursor + 1) % count;
    }
    return upstream;
  }

  /**
   * Where a request that never reached `failed` goes once more: another instance of this version,
   * else an instance of the fallback version (the other version with traffic: the stable one while
   * a canary instance dies). Undefined when there is nowhere else.
   */
  retryTarget(failed: Upstream): { readonly pool: VersionPool; readonly upstream: Upstream } | undefined {
    const same = this.next(failed);
    if (same !== undefined && same !== failed) return { pool: this, upstream: same };
    const other = this.fallback?.();
    const upstream = other?.next();
    return other === undefined || upstream === undefined ? undefined : { pool: other, upstream };
  }

  /** Called when a request to `upstream` finished: closes a dropped instance's connections once idle. */
  release(upstream: Upstream): void {
    upstream.inFlight--;
    if (upstream.removed && upstream.inFlight === 0) upstream.destroy();
  }

  close(): void {
    for (const upstream of this.upstreams) upstream.destroy();
    this.upstreams = [];
  }

  private createUpstream(instance: InstanceAddress): Upstream {
    return new Upstream(instance.id, instance.port, this.agentOptions);
  }
}
