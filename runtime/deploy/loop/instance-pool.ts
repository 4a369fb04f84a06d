/**
 * The instances of one deployment, both roles: started and stopped through each role's target
 * driver, health-checked, and kept in the router(s) exactly while they are ready. Every change
 * reaches the router first and is reported (`onChange(role)`) only once the router applied it, so
 * the engine never moves traffic onto an instance the router does not have yet.
 */
import { releasePort, allocatePort, type ObservableTargetDriver } from "../target/index.ts";
import { startHealthChecks, type HealthChecks, type HealthTiming } from "../health/index.ts";
import type { InstanceFailure } from "../strategy/index.ts";
import type { Instance, InstanceAddress, Probe, Router, VersionRole } from "../types.ts";

export type MemberHealth = "starting" | "pending" | "ready" | "unready" | "failed" | "stopping";

export interface Member {
  /** `canary-2`: what the engine, the router and the messages call the instance. */
  readonly id: string;
  readonly role: VersionRole;
  /** The version id on the router (`r4`). */
  readonly version: string;
  readonly revision: number;
  port: number | null;
  /** The driver's instance, once started. */
  instance: Instance | null;
  /** The driver's id of the instance from the moment it exists (before it is ready): what status.json lists for a reaper. */
  spawnedId?: string;
  health: MemberHealth;
  reason: string | null;
  /** Asked to stop (by the engine, or at teardown). */
  stopping: boolean;
  /** The engine's restart count when last polled (docker's restart policy); null: not read yet (an adopted instance). */
  restarts: number | null;
}

export interface RoleVersion {
  readonly driver: ObservableTargetDriver;
  readonly version: string;
  readonly revision: number;
}

export interface InstancePoolOptions {
  readonly deployment: string;
  readonly roles: Partial<Record<VersionRole, RoleVersion>>;
  readonly router: Router;
  /** Blue-green preview: serves the canary's ready instances. */
  readonly previewRouter: Router | null;
  readonly probe: Probe;
  readonly timing: HealthTiming;
  /** Pause between taking an instance out of the router and SIGTERM, so requests already routed to it arrive first. */
  readonly settleMs: number;
  /** SIGTERM-to-SIGKILL grace (the deployment's drainTimeout). */
  readonly graceMs: number;
  log(level: "info" | "warn", message: string): void;
  /** A role's instances changed, and the router already reflects it. */
  onChange(role: VersionRole): void;
  /** An instance's process exists (not ready yet): the session writes status.json at once, for a reaper after a hard kill. */
  readonly onSpawned?: () => void;
}

export interface RoleSnapshot {
  readonly ready: string[];
  readonly unready: string[];
  readonly failed: InstanceFailure[];
}

export class InstancePool {
  readonly members: Member[] = [];
  private readonly counters: Record<VersionRole, number> = { stable: 0, canary: 0 };
  private readonly checks: HealthChecks;
  private routerOps: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  /** Why each instance last failed its health check (kept after it is stopped, to explain a deadline). */
  private readonly healthFailures = new Map<string, string>();
  /** The ids each role's router entry holds, as last applied. */
  private readonly routedIds: Record<VersionRole, ReadonlySet<string>> = { stable: new Set(), canary: new Set() };

  constructor(private readonly options: InstancePoolOptions) {
    this.checks = startHealthChecks([], options.probe, options.timing, (change) => {
      const member = this.members.find((m) => m.id === change.instanceId);
      if (member === undefined || member.stopping || member.health === "failed") return;
      member.health = change.to;
      member.reason = change.reason;
      if (change.to === "unready") {
        const reason = change.reason ?? "health check failing";
        this.healthFailures.set(member.id, reason);
        // Never ready, or no longer: either way the user needs the probe's answer to act on it.
        options.log("warn", change.from === "ready" ? `${member.id} is no longer ready: ${reason}` : `${member.id} is not ready: ${reason}`);
      }
      this.sync(member.role);
    });
  }

  /** The engine's view of one role: ready, unready (pending, and stopping ones until they are gone) and failed. */
  snapshot(role: VersionRole): RoleSnapshot {
    const mine = this.members.filter((m) => m.role === role);
    return {
      ready: mine.filter((m) => m.health === "ready" && !m.stopping).map((m) => m.id),
      unready: mine.filter((m) => (m.health === "pending" || m.health === "unready" || m.health === "stopping") && m.instance !== null).map((m) => m.id),
      failed: mine.filter((m) => m.health === "failed").map((m) => ({ id: m.id, reason: m.reason ?? "failed" })),
    };
  }

  /** `; canary-1: "probe" could not run: ...` for each instance a reason names as unready, with its last health check failure. */
  explainUnready(reason: string): string {
    const named = /unready: ([^);]*)/.exec(reason)?.[1]?.split(/,\s*/) ?? [];
    return named.flatMap((id) => {
      const why = this.healthFailures.get(id.trim());
      return why === undefined ? [] : [`; ${id.trim()}: ${why}`];
    }).join("");
  }

  /** Whether the router was last given this instance (for monitors). */
  isRouted(member: Member): boolean {
    return this.routedIds[member.role].has(member.id);
  }

  /** The ready instances the router serves for a role. */
  routed(role: VersionRole): Member[] {
    return this.members.filter((m) => m.role === role && m.health === "ready" && !m.stopping && m.instance !== null);
  }

  start(role: VersionRole, count: number): void {
    // A closed pool starts nothing: close() stops what it knows, and an instance started after it would outlive the deployment.
    if (this.closed) return;
    const version = this.options.roles[role];
    if (version === undefined) {
      this.options.log("warn", `asked to start ${role} instances, but this deployment has no ${role} version`);
      return;
    }
    for (let i = 0; i < count; i++) {
      this.counters[role] += 1;
      const member: Member = { id: `${role}-${this.counters[role]}`, role, version: version.version, revision: version.revision, port: null, instance: null, health: "starting", reason: null, stopping: false, restarts: 0 };
      this.members.push(member);
      this.track(this.launch(member, version, this.counters[role]));
    }
  }

  /** Takes the instances out of the router, lets routed requests arrive, then stops them (drain + grace). */
  stop(role: VersionRole, ids: readonly string[] | "all", reason: string): Promise<void> {
    const chosen = this.members.filter((m) => m.role === role && !m.stopping && (ids === "all" || ids.includes(m.id)));
    for (const member of chosen) {
      member.stopping = true;
      if (member.health !== "failed") member.health = "stopping";
      this.checks.remove(member.id);
    }
    if (chosen.length === 0) return Promise.resolve();
    const live = chosen.filter((m) => m.health !== "failed");
    if (live.length > 0) this.options.log("info", `stopping ${live.map((m) => m.id).join(", ")} (${reason})`);
    const done = this.sync(role).then(async () => {
      if (live.some((m) => m.instance !== null)) await sleep(this.options.settleMs);
      await Promise.all(chosen.map((m) => this.halt(m)));
      this.forget(chosen);
      this.notify(role);
    });
    this.track(done);
    return done;
  }

  /**
   * Takes over instances another pool started and knew ready (a warm revision, or the serving one
   * during a warm undo): they join as ready, health-checked from now on, and reach the router.
   */
  adopt(role: VersionRole, instances: readonly Instance[]): Promise<void> {
    const version = this.options.roles[role];
    if (version === undefined || instances.length === 0) return Promise.resolve();
    for (const instance of instances) {
      this.counters[role] += 1;
      const member: Member = { id: `${role}-${this.counters[role]}`, role, version: version.version, revision: version.revision, port: instance.port, instance, health: "ready", reason: null, stopping: false, restarts: null };
      this.members.push(member);
      this.checks.add({ ...instance, id: member.id }, true);
    }
    return this.sync(role);
  }

  /**
   * Lets ready instances go without stopping them (to be kept warm, or adopted by the next session):
   * out of the router first, then no longer health-checked or stopped by this pool. Resolves with
   * the driver's instances, still running.
   */
  release(role: VersionRole, ids: readonly string[] | "all", reason: string): Promise<Instance[]> {
    const chosen = this.members.filter((m) => m.role === role && !m.stopping && m.health === "ready" && m.instance !== null && (ids === "all" || ids.includes(m.id)));
    if (chosen.length === 0) return Promise.resolve([]);
    for (const member of chosen) {
      member.stopping = true;
      this.checks.remove(member.id);
    }
    this.options.log("info", `${chosen.map((m) => m.id).join(", ")} leave the router and keep running (${reason})`);
    const done = this.sync(role).then(() => {
      this.forget(chosen);
      this.notify(role);
      return chosen.map((m) => m.instance!);
    });
    this.track(done);
    return done;
  }

  /**
   * Looks for instances that exited on their own; each becomes `failed` with its exit and last
   * output. One the engine restarted after a crash (its restart count went up) is unready: out of
   * the router until its health check passes again, however quick the restart was.
   */
  async pollExits(): Promise<void> {
    const live = this.members.filter((m) => m.instance !== null && !m.stopping && m.health !== "failed");
    await Promise.all(
      live.map(async (member) => {
        const driver = this.options.roles[member.role]!.driver;
        const status = await driver.status(member.instance!).catch(() => null);
        if (status === null || member.stopping || member.health === "failed") return;
        const last = status.lastLines.filter((line) => line.trim() !== "").slice(-3).join(" | ");
        if (!status.running) return this.fail(member, `exited${status.exitCode === null ? "" : ` with code ${status.exitCode}`}${last === "" ? "" : `: ${last}`}`);
        const restarts = status.restarts ?? 0;
        const before = member.restarts;
        member.restarts = restarts;
        if (before !== null && restarts > before) await this.restarted(member, `crashed and was restarted by the engine (restart ${restarts})${last === "" ? "" : `: ${last}`}`);
      }),
    );
  }

  /** Stops everything (teardown): health checks first, then every instance, in parallel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.checks.stop();
    await Promise.allSettled([...this.pending]);
    for (const role of ["stable", "canary"] as const) void this.stop(role, "all", "the deployment stops serving");
    await Promise.allSettled([...this.pending]);
  }

  private async launch(member: Member, version: RoleVersion, index: number): Promise<void> {
    let port: number | null = null;
    try {
      port = await allocatePort();
      member.port = port;
      const onSpawned = (driverId: string) => {
        member.spawnedId = driverId;
        this.options.onSpawned?.();
      };
      const instance = await version.driver.start({ deployment: this.options.deployment, version: version.version, index, port, env: {}, onSpawned });
      member.instance = instance;
      if (member.stopping) return; // stopped while starting: stop() waits for this launch through `pending`
      member.health = "pending";
      this.checks.add({ ...instance, id: member.id });
      this.notify(member.role);
    } catch (error) {
      if (port !== null) releasePort(port);
      member.health = "failed";
      member.reason = `could not start: ${(error as Error).message}`;
      this.options.log("warn", `${member.id} ${member.reason}`);
      this.notify(member.role);
    }
  }

  /** Probed again from scratch: ready only after successThreshold passes; out of the router meanwhile. */
  private restarted(member: Member, reason: string): Promise<void> {
    member.health = "unready";
    member.reason = reason;
    this.healthFailures.set(member.id, reason);
    this.checks.remove(member.id);
    this.checks.add({ ...member.instance!, id: member.id });
    this.options.log("warn", `${member.id} ${reason}: out of the router until its health check passes again`);
    return this.sync(member.role);
  }

  private fail(member: Member, reason: string): void {
    member.health = "failed";
    member.reason = reason;
    this.checks.remove(member.id);
    this.options.log("warn", `${member.id} ${reason}`);
    // The router first (it may have served it), then reap the leftover (container, port) in the background.
    this.track(this.sync(member.role).then(() => (member.instance === null ? undefined : this.options.roles[member.role]!.driver.stop(member.instance, 0).catch(() => undefined))));
  }

  private async halt(member: Member): Promise<void> {
    // A launch still in flight finishes first, so its instance is stopped rather than leaked.
    while (member.instance === null && member.health === "starting") await sleep(50);
    if (member.instance === null) return;
    try {
      await this.options.roles[member.role]!.driver.stop(member.instance, this.options.graceMs);
    } catch (error) {
      this.options.log("warn", `could not stop ${member.id}: ${(error as Error).message}`);
    }
  }

  private forget(members: readonly Member[]): void {
    for (const member of members) {
      const at = this.members.indexOf(member);
      if (at >= 0) this.members.splice(at, 1);
    }
  }

  /** Applies the role's ready instances to the router(s), in order with earlier updates; then reports the role. */
  private sync(role: VersionRole): Promise<void> {
    const version = this.options.roles[role]?.version;
    if (version === undefined) return Promise.resolve();
    const addresses = (): InstanceAddress[] => this.routed(role).map((m) => ({ id: m.id, host: "127.0.0.1", port: m.instance!.port }));
    const op = this.routerOps.then(async () => {
      try {
        const applied = addresses();
        await this.options.router.setInstances(version, applied);
        this.routedIds[role] = new Set(applied.map((a) => a.id));
        if (role === "canary" && this.options.previewRouter !== null) await this.options.previewRouter.setInstances(version, applied);
      } catch (error) {
        this.options.log("warn", `the router did not take the instances of ${version}: ${(error as Error).message}`);
      }
    });
    this.routerOps = op;
    return op.then(() => this.notify(role));
  }

  private notify(role: VersionRole): void {
    if (!this.closed) this.options.onChange(role);
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
