/**
 * The previous healthy revision, kept warm (as Kamal keeps the old container): after a promotion in
 * a supervised deployment, the replaced revision's ready instances leave the router but keep
 * running, health-checked, so that `pipec deploy undo` only has to shift the weights back. Only one
 * revision is kept (the next promotion replaces it, and stops it); its instances belong to the
 * deployment (`pipec deploy stop` stops them too).
 */
import { startHealthChecks, type HealthChecks, type HealthTiming } from "../health/index.ts";
import type { InstanceStatusRecord } from "../history/index.ts";
import type { ObservableTargetDriver } from "../target/index.ts";
import type { Instance, Probe } from "../types.ts";

/** Instances let go by a session, still running, with what it takes to check, adopt or stop them. */
export interface HeldRevision {
  readonly revision: number;
  /** The revision's digest: `deploy undo` takes the warm instances only for a revision with the same target and env. */
  readonly digest: string;
  readonly driver: ObservableTargetDriver;
  readonly instances: readonly Instance[];
  /** Host-process targets' argv (null for docker), kept in status.json to reap leftovers. */
  readonly command: readonly string[] | null;
  readonly probe: Probe;
  readonly timing: HealthTiming;
  /** SIGTERM-to-SIGKILL grace when they are stopped. */
  readonly graceMs: number;
  /** The deployment's log. */
  readonly log: (line: string) => void;
}

/** Stops instances let go by a session that nobody took over. */
export async function stopHeld(held: HeldRevision): Promise<void> {
  await Promise.allSettled(held.instances.map((instance) => held.driver.stop(instance, held.graceMs)));
}

interface WarmMember {
  readonly id: string;
  readonly instance: Instance;
  health: "ready" | "unready" | "failed";
  reason: string | null;
  /** The engine's restart count when last polled; null until read. */
  restarts: number | null;
}

export class WarmRevision {
  readonly revision: number;
  readonly digest: string;
  private readonly members: WarmMember[];
  private readonly checks: HealthChecks;
  private over = false;

  constructor(private readonly held: HeldRevision) {
    this.revision = held.revision;
    this.digest = held.digest;
    this.members = held.instances.map((instance, i) => ({ id: `warm-${i + 1}`, instance, health: "ready", reason: null, restarts: null }));
    this.checks = startHealthChecks([], held.probe, held.timing, (change) => {
      const member = this.members.find((m) => m.id === change.instanceId);
      if (member === undefined || member.health === "failed") return;
      member.health = change.to === "ready" ? "ready" : "unready";
      member.reason = change.reason;
      if (change.to !== "ready") this.held.log(`warning: ${member.id} of the warm revision ${this.revision} is not ready: ${change.reason ?? "health check failing"}`);
    });
    for (const member of this.members) this.checks.add({ ...member.instance, id: member.id }, true);
  }

  /** The warm instances for status.json (role "warm", never routed). */
  statusRecords(): InstanceStatusRecord[] {
    return this.members.map((m) => ({
      id: m.id,
      role: "warm",
      revision: this.revision,
      port: m.instance.port,
      health: m.health,
      reason: m.reason,
      driverId: m.instance.id,
      command: this.held.command === null ? null : [...this.held.command],
      routed: false,
    }));
  }

  /**
   * Null when every instance still runs and answers its health probe now; else why not (the undo
   * then starts the revision again). Checked at the moment of the undo, not from the last probe.
   */
  async unreadyReason(): Promise<string | null> {
    if (this.over) return "it was stopped";
    const problems = await Promise.all(
      this.members.map(async (m) => {
        if (m.health === "failed") return `${m.id} ${m.reason ?? "failed"}`;
        const status = await this.held.driver.status(m.instance).catch((error: Error) => ({ running: false, exitCode: null, lastLines: [error.message] }));
        if (!status.running) return `${m.id} no longer runs${status.exitCode === null ? "" : ` (exit code ${status.exitCode})`}`;
        const probe = await this.held.probe(m.instance, this.held.timing.timeoutMs).catch((error: Error) => ({ ok: false as const, reason: error.message }));
        return probe.ok ? null : `${m.id} does not answer its health check: ${probe.reason}`;
      }),
    );
    const found = problems.filter((p): p is string => p !== null);
    return found.length === 0 ? null : found.join("; ");
  }

  /** Looks for instances that exited (failed), or that the engine restarted after a crash (unready until probed ready again). */
  async pollExits(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (this.over || m.health === "failed") return;
        const status = await this.held.driver.status(m.instance).catch(() => null);
        if (status === null || this.over) return;
        const before = m.restarts;
        m.restarts = status.restarts ?? 0;
        if (status.running && (before === null || m.restarts <= before)) return;
        if (status.running) {
          m.health = "unready";
          m.reason = `crashed and was restarted by the engine (restart ${m.restarts})`;
          // Probed from scratch: ready again only after successThreshold passes.
          this.checks.remove(m.id);
          this.checks.add({ ...m.instance, id: m.id });
        } else {
          m.health = "failed";
          m.reason = `exited${status.exitCode === null ? "" : ` with code ${status.exitCode}`}`;
          this.checks.remove(m.id);
        }
        this.held.log(`warning: ${m.id} of the warm revision ${this.revision} ${m.reason}`);
      }),
    );
  }

  /** Hands the instances over (still running) to a session that adopts them; this no longer checks or stops them. */
  async take(): Promise<HeldRevision> {
    this.over = true;
    await this.checks.stop();
    return this.held;
  }

  /** Stops the instances (replaced by a newer warm revision, the deployment stopped, or not ready for an undo). */
  async stop(): Promise<void> {
    if (this.over) return;
    this.over = true;
    await this.checks.stop();
    await Promise.allSettled(this.members.map((m) => this.held.driver.stop(m.instance, this.held.graceMs)));
  }
}
