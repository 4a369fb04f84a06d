/**
 * A fake world for the deployment engine: a fake clock, a fake driver (instances whose readiness a
 * test decides), a fake router (confirms, ignores, or lags weights), and scripted metric samples.
 * It plays the loop: performs every action, reports back at once, and records a timeline.
 */
import type { MetricSample } from "../../../../runtime/deploy/analysis/index.ts";
import {
  advanceDeployment,
  startDeployment,
  type DeployAction,
  type DeployObservation,
  type DeployState,
  type Weights,
} from "../../../../runtime/deploy/strategy/index.ts";
import type { VersionRole } from "../../../../runtime/deploy/types.ts";
import { DeploymentSchema, type Deployment, type DeploymentInput } from "../../../../runtime/plan/schema.ts";

export type Readiness = "ready" | "unready" | { readonly failed: string };

export interface WorldOptions {
  readonly hasStable?: boolean;
  /** How each instance is doing, by id (`canary-1`...) and age; default: ready at once. */
  readonly readiness?: (id: string, role: VersionRole, ageMs: number) => Readiness;
  /** What the router reads back after set-weights: "apply" (default), "ignore" (keeps the old weights). */
  readonly router?: "apply" | "ignore";
  /** Samples per metric name; a function gets the measure count (1-based) and the canary weight. */
  readonly samples?: Readonly<Record<string, MetricSample | ((n: number, canaryWeight: number) => MetricSample)>>;
  /** Passes the state through JSON between transitions, as a loop that persists it would. */
  readonly serialise?: boolean;
  /** Called after every transition (invariant monitors). */
  readonly check?: (world: World) => void;
}

interface FakeInstance {
  readonly id: string;
  readonly startedAt: number;
}

export function parseDeployment(input: DeploymentInput): Deployment {
  return DeploymentSchema.parse(input);
}

export const base: { readonly name: string; readonly target: { kind: "process"; command: string[] } } = { name: "web", target: { kind: "process", command: ["node", "server.js"] } };

export class World {
  now = 0;
  state!: DeployState;
  wakeAt: number | null = null;
  readonly deployment: Deployment;
  readonly actions: { at: number; action: DeployAction }[] = [];
  readonly instances: Record<VersionRole, FakeInstance[]> = { stable: [], canary: [] };
  router: Weights;
  /** Most instances that existed at once, per role and in total. */
  maxTotal = 0;
  private readonly queue: DeployObservation[] = [];
  private readonly counters: Record<VersionRole, number> = { stable: 0, canary: 0 };
  private readonly measured: Record<string, number> = {};
  routerMode: "apply" | "ignore";

  constructor(
    input: DeploymentInput,
    readonly options: WorldOptions = {},
  ) {
    this.deployment = parseDeployment(input);
    this.routerMode = options.router ?? "apply";
    const hasStable = options.hasStable ?? true;
    this.router = hasStable ? { stable: 100, canary: 0 } : { stable: 0, canary: 0 };
    if (hasStable) for (let i = 0; i < this.deployment.replicas; i++) this.addInstance("stable");
    const result = startDeployment(this.deployment, { hasStable, now: this.now });
    this.absorb(result);
    this.report();
    this.flush();
  }

  /** Moves the clock by `ms` and delivers one tick (after the instance reports). */
  tick(ms = 1000): this {
    this.now += ms;
    this.report();
    this.deliver({ type: "tick" });
    this.flush();
    return this;
  }

  /** Ticks every `stepMs` until `done` holds or `maxMs` passes; returns whether it held. */
  runUntil(done: (world: World) => boolean, maxMs = 3_600_000, stepMs = 1000): boolean {
    const end = this.now + maxMs;
    while (!done(this) && this.now < end) this.tick(stepMs);
    return done(this);
  }

  send(obs: DeployObservation): this {
    this.deliver(obs);
    this.flush();
    return this;
  }

  get phase(): string {
    return this.state.pausedReason === null ? this.state.phase : `${this.state.phase}(${this.state.pausedReason})`;
  }

  get weights(): Weights | null {
    return this.state.weights.confirmed;
  }

  actionsOf<T extends DeployAction["type"]>(type: T): Extract<DeployAction, { type: T }>[] {
    return this.actions.filter((a) => a.action.type === type).map((a) => a.action as Extract<DeployAction, { type: T }>);
  }

  finished(): Extract<DeployAction, { type: "finished" }> | undefined {
    return this.actionsOf("finished")[0];
  }

  count(role: VersionRole): number {
    return this.instances[role].length;
  }

  readyCount(role: VersionRole): number {
    return this.instances[role].filter((i) => this.readiness(i, role) === "ready").length;
  }

  private readiness(instance: FakeInstance, role: VersionRole): Readiness {
    if (role === "stable" && instance.startedAt < 0) return "ready";
    return this.options.readiness?.(instance.id, role, this.now - instance.startedAt) ?? "ready";
  }

  private addInstance(role: VersionRole): void {
    this.counters[role] += 1;
    // Stable instances that existed before the deployment started count as long ready.
    const startedAt = role === "stable" && this.actions.length === 0 && this.state === undefined ? -1 : this.now;
    this.instances[role].push({ id: `${role}-${this.counters[role]}`, startedAt });
    this.maxTotal = Math.max(this.maxTotal, this.count("stable") + this.count("canary"));
  }

  private report(): void {
    for (const role of ["stable", "canary"] as const) {
      const ready: string[] = [];
      const unready: string[] = [];
      const failed: { id: string; reason: string }[] = [];
      for (const instance of this.instances[role]) {
        const r = this.readiness(instance, role);
        if (r === "ready") ready.push(instance.id);
        else if (r === "unready") unready.push(instance.id);
        else failed.push({ id: instance.id, reason: r.failed });
      }
      this.queue.push({ type: "instances", version: role, ready, unready, failed });
    }
  }

  private deliver(obs: DeployObservation): void {
    if (this.state.settled) return;
    this.absorb(advanceDeployment(this.deployment, this.state, obs, this.now));
  }

  private flush(): void {
    for (let guard = 0; this.queue.length > 0; guard++) {
      if (guard > 10_000) throw new Error("the engine and the fake world keep talking");
      this.deliver(this.queue.shift() as DeployObservation);
    }
  }

  private absorb(result: { state: DeployState; actions: readonly DeployAction[]; wakeAt: number | null }): void {
    // Frozen, so a transition that modified the state it was given would throw.
    this.state = deepFreeze(this.options.serialise === true ? (JSON.parse(JSON.stringify(result.state)) as DeployState) : result.state);
    this.wakeAt = result.wakeAt;
    for (const action of result.actions) {
      this.actions.push({ at: this.now, action });
      this.perform(action);
    }
    this.options.check?.(this);
  }

  private perform(action: DeployAction): void {
    switch (action.type) {
      case "start-instances":
        for (let i = 0; i < action.count; i++) this.addInstance(action.version);
        this.report();
        return;
      case "stop-instances": {
        const ids = action.ids;
        this.instances[action.version] = ids === "all" ? [] : this.instances[action.version].filter((i) => !ids.includes(i.id));
        this.report();
        return;
      }
      case "set-weights":
        if (this.routerMode === "apply") this.router = { ...action.weights };
        this.queue.push({ type: "weights-confirmed", weights: { ...this.router } });
        return;
      case "measure": {
        const key = `${action.analysisId}/${action.metric.name}`;
        this.measured[key] = (this.measured[key] ?? 0) + 1;
        const script = this.options.samples?.[action.metric.name];
        const sample: MetricSample =
          script === undefined ? { kind: "error", message: `no sample scripted for "${action.metric.name}"` } : typeof script === "function" ? script(this.measured[key], this.router.canary) : script;
        this.queue.push({ type: "measurement", analysisId: action.analysisId, metric: action.metric.name, sample });
        return;
      }
      default:
        return;
    }
  }
}

/** Router counters for builtin metrics: `requests` requests with an error rate and a p99. */
export function routerSample(errorRate: number, requests = 100, p99 = 50): MetricSample {
  return {
    kind: "router",
    metrics: {
      requests,
      errors: Math.round(errorRate * requests),
      errorRate: requests === 0 ? null : errorRate,
      successRate: requests === 0 ? null : 1 - errorRate,
      latencyAvgMs: p99 / 2,
      latencyP50Ms: p99 / 3,
      latencyP95Ms: p99 * 0.9,
      latencyP99Ms: p99,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
