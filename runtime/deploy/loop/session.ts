/**
 * One deployment in progress (and then serving): performs the engine's actions against the pool of
 * instances and the router, feeds back what happens, polls control requests and exits every 200 ms,
 * keeps the status files, and tears it all down when serving ends.
 */
import { processStartTime } from "../../artifacts/process-identity.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Deployment } from "../../plan/schema.ts";
import { assessSample } from "../analysis/index.ts";
import { takeControlRequests } from "../../run/control/index.ts";
import type { DeploymentStatus, InstanceStatusRecord } from "../history/index.ts";
import type { HealthTiming } from "../health/index.ts";
import type { DeployAction, DeployObservation, DeployPhase, DeployResult, PausedReason, Weights } from "../strategy/index.ts";
import type { Instance, InstanceAddress, Probe, Router, VersionRole } from "../types.ts";
import { InstancePool, type MemberHealth, type RoleVersion } from "./instance-pool.ts";
import { measureMetric } from "./providers.ts";
import type { DeploymentReporter } from "./reporter.ts";
import { registerServing, unregisterServing, type Serving } from "./serving.ts";
import { StrategyRunner } from "./strategy-runner.ts";
import type { WarmRevision } from "./warm-revision.ts";

/** This process's kernel start time, recorded with its pid in status.json (pids are reused). */
const OWN_START_TIME = processStartTime(process.pid);

const POLL_MS = 200;
const EXIT_POLL_EVERY = 3;
/** Pause between taking an instance out of the router and stopping it. */
const SETTLE_MS = 300;

export interface SessionContext {
  readonly name: string;
  readonly jobId: string | null;
  /** The pipeline that owns the deployment (status.json). */
  readonly pipeline: string | null;
  readonly runDir: string | null;
  readonly workspace: string;
  readonly revision: number;
  /** The engine's view of the deployment (steps and analyses stripped for an undo). */
  readonly deployment: Deployment;
  readonly router: Router;
  readonly previewRouter: Router | null;
  readonly canary: RoleVersion;
  readonly stable: RoleVersion | null;
  /** Host-process targets' argv per role (null for docker), kept in status.json to reap leftovers. */
  readonly canaryCommand: readonly string[] | null;
  readonly stableCommand: readonly string[] | null;
  readonly probe: Probe;
  readonly timing: HealthTiming;
  readonly reporter: DeploymentReporter;
  readonly now: () => number;
  /** Serving ends when this aborts; without it, when the run ends (its state.json appears). */
  readonly serveUntil: AbortSignal | null;
  /** Runs once serving has ended and everything is stopped (releases the lock). */
  readonly onEnded: () => void;
  /** Whether `pipec deploy stop NAME` asked this process to stop serving (polled; takes the request). */
  readonly stopRequested: () => boolean;
  /** A supervised deployment: revokes this session's router lease (see router-lease.ts); null: it owns its routers. */
  readonly revokeRouter: (() => Map<string, InstanceAddress[]>) | null;
  /**
   * A supervised deployment keeps the replaced revision warm: after a healthy verdict, the stable
   * role's ready instances leave the router and go here, still running, instead of being stopped.
   * Null: they are stopped.
   */
  readonly retireStable: ((instances: readonly Instance[]) => void) | null;
  /** The deployment's warm revision now (shown in the status); null outside a supervisor. */
  readonly warm: (() => WarmRevision | null) | null;
  /**
   * The session this one took the router over from: its instances serve until this rollout's
   * verdict, so they are listed in the status too (`handover-` ids), where a crash's reaper finds them.
   */
  readonly handedOverFrom: () => DeploymentSession | null;
}

/** The role a session serves from, let go with its ready instances still running (a warm undo adopts them). */
export interface ReleasedServing {
  readonly role: RoleVersion;
  readonly command: readonly string[] | null;
  readonly instances: readonly Instance[];
}

export interface SnapshotMember {
  readonly id: string;
  readonly role: VersionRole;
  readonly version: string;
  readonly port: number | null;
  readonly health: MemberHealth;
  readonly stopping: boolean;
  /** The router was last given this instance. */
  readonly routed: boolean;
}

export interface DeploymentSnapshot {
  /** "Starting" while the stable revision is started, before the engine runs. */
  readonly phase: DeployPhase | "Starting";
  readonly message: string;
  /** Percent per role as the router last confirmed it; null before any confirmation. */
  readonly weights: Weights | null;
  readonly members: readonly SnapshotMember[];
  readonly gates: readonly string[];
  readonly settled: boolean;
  readonly serving: boolean;
}

export interface Verdict {
  readonly result: DeployResult;
  readonly reason: string | null;
}

export class DeploymentSession implements Serving {
  readonly name: string;
  readonly pool: InstancePool;
  readonly verdict: Promise<Verdict>;
  readonly settled: Promise<void>;
  private runner: StrategyRunner | null = null;
  private phase: DeployPhase | "Starting" = "Starting";
  private pausedReason: PausedReason | null = null;
  private step: number | null = null;
  private message = "starting";
  private confirmed: Weights | null = null;
  private routerWeights: Record<string, number> = {};
  private readonly gates = new Set<string>();
  private resolveVerdict!: (verdict: Verdict) => void;
  private resolveSettled!: () => void;
  private verdictValue: Verdict | null = null;
  private isSettled = false;
  private readonly poller: NodeJS.Timeout;
  private polls = 0;
  private pollingExits = false;
  private ending: Promise<void> | null = null;
  private lastStatusJson = "";
  /** The next rollout of the name took the router over: this session only winds down its instances. */
  private handedOver = false;

  constructor(private readonly ctx: SessionContext) {
    this.name = ctx.name;
    this.verdict = new Promise((resolve) => (this.resolveVerdict = resolve));
    this.settled = new Promise((resolve) => (this.resolveSettled = resolve));
    const roles: Partial<Record<VersionRole, RoleVersion>> = { canary: ctx.canary };
    if (ctx.stable !== null) roles.stable = ctx.stable;
    this.pool = new InstancePool({
      deployment: ctx.name,
      roles,
      router: ctx.router,
      previewRouter: ctx.previewRouter,
      probe: ctx.probe,
      timing: ctx.timing,
      settleMs: Math.min(SETTLE_MS, ctx.deployment.drainTimeoutMs),
      graceMs: ctx.deployment.drainTimeoutMs,
      log: (level, message) => this.log(level, message),
      onChange: (role) => this.runner?.observe({ type: "instances", version: role, ...this.pool.snapshot(role) }),
      onSpawned: () => {
        if (this.ending === null) this.writeStatus(true);
      },
    });
    // The preview only ever serves the new version.
    void ctx.previewRouter?.setWeights({ [ctx.canary.version]: 100 }).catch((error: Error) => this.log("warn", `the preview router did not take its weights: ${error.message}`));
    registerServing(this);
    this.poller = setInterval(() => this.poll(), POLL_MS);
    this.writeWaiting();
  }

  /** Hands over to the engine (after the stable revision is up, when there is one). */
  startEngine(hasStable: boolean): void {
    this.runner = new StrategyRunner({ deployment: this.ctx.deployment, hasStable, now: this.ctx.now, perform: (action) => this.perform(action) });
    if (hasStable) this.runner.observe({ type: "instances", version: "stable", ...this.pool.snapshot("stable") });
    this.runner.observe({ type: "instances", version: "canary", ...this.pool.snapshot("canary") });
  }

  /** Starts the stable revision's instances and sends it all traffic (before the engine runs). */
  async startStable(replicas: number): Promise<void> {
    if (this.ctx.stable === null) return;
    this.pool.start("stable", replicas);
    await this.applyWeights({ stable: 100, canary: 0 });
  }

  /** As `pipec approve | promote | abort` would. Ignored once settled. */
  observe(observation: DeployObservation): void {
    this.runner?.observe(observation);
  }

  /** The job's signal fired: roll back (traffic to stable); the verdict follows. */
  abort(reason: string): void {
    if (this.verdictValue !== null) return;
    if (this.runner === null) this.decide({ result: "degraded", reason: `${reason} before the rollout started` });
    else this.runner.observe({ type: "abort", reason });
  }

  snapshot(): DeploymentSnapshot {
    return {
      phase: this.phase,
      message: this.message,
      weights: this.confirmed,
      members: this.pool.members.map((m) => ({ id: m.id, role: m.role, version: m.version, port: m.port, health: m.health, stopping: m.stopping, routed: this.pool.isRouted(m) })),
      gates: [...this.gates],
      settled: this.isSettled,
      serving: this.ending === null,
    };
  }

  /**
   * The next rollout takes the router over: this session's router calls are ignored from now on and
   * it no longer writes the status; returns the instances it routed, per version, for the next one
   * to keep until its own are ready. Its instances serve until `stop()`.
   */
  handOver(): Map<string, InstanceAddress[]> {
    if (this.handedOver) return new Map();
    this.handedOver = true;
    this.runner?.stop();
    return this.ctx.revokeRouter?.() ?? new Map();
  }

  /**
   * Warm undo: the adopted instances of the revision undone to (canary) take all the traffic from the
   * adopted ones serving now (stable) at once, no engine; the router confirms it, then the stable
   * ones leave the router and are kept warm in turn. False when the router did not confirm.
   */
  async switchToAdopted(stable: readonly Instance[], canary: readonly Instance[]): Promise<boolean> {
    await Promise.all([this.pool.adopt("stable", stable), this.pool.adopt("canary", canary)]);
    this.perform({ type: "status", phase: "Promoting", pausedReason: null, stepIndex: null, message: "undo: switching the traffic to the warm instances" });
    await this.applyWeights({ stable: 0, canary: 100 });
    const switched = this.confirmed?.canary === 100;
    if (switched) {
      this.perform({ type: "status", phase: "Healthy", pausedReason: null, stepIndex: null, message: "undo: the warm instances serve all traffic" });
      this.decide({ result: "healthy", reason: null });
      await this.retire("all", "undone");
    } else {
      this.perform({ type: "status", phase: "Degraded", pausedReason: null, stepIndex: null, message: "undo: the router did not confirm the switch" });
      this.decide({ result: "degraded", reason: `the router did not confirm new 100% (it applies ${JSON.stringify(this.routerWeights)})` });
    }
    this.isSettled = true;
    this.resolveSettled();
    return switched;
  }

  /**
   * After `handOver`: lets the ready instances of the role that serves all the traffic go, still
   * running, for the next session to adopt (a warm undo); null when no role has it all.
   */
  async releaseServing(): Promise<ReleasedServing | null> {
    const role: VersionRole | null = this.confirmed?.canary === 100 ? "canary" : this.confirmed?.stable === 100 && this.ctx.stable !== null ? "stable" : null;
    if (role === null) return null;
    const instances = await this.pool.release(role, "all", "handed over to the undo");
    return { role: role === "canary" ? this.ctx.canary : this.ctx.stable!, command: this.commandOf(role), instances };
  }

  /** Router weights as last confirmed, by router version (`r3`). */
  routedWeights(): Readonly<Record<string, number>> {
    return this.routerWeights;
  }

  /** Ends serving: engine stopped, instances drained and stopped, routers closed, files updated. */
  stop(): Promise<void> {
    this.ending ??= this.teardown();
    return this.ending;
  }

  log(level: "info" | "warn", message: string): void {
    this.ctx.reporter.line(level === "warn" ? `warning: ${message}` : message);
  }

  private perform(action: DeployAction): void {
    switch (action.type) {
      case "start-instances":
        this.pool.start(action.version, action.count);
        return;
      case "stop-instances":
        if (action.version === "stable" && this.verdictValue?.result === "healthy") void this.retire(action.ids, action.reason);
        else void this.pool.stop(action.version, action.ids, action.reason);
        return;
      case "set-weights":
        void this.applyWeights(action.weights);
        return;
      case "measure":
        void this.measure(action);
        return;
      case "await-approval":
        this.gates.add(action.gate);
        this.log("info", `waiting for approval "${action.gate}": pipec approve ${this.ctx.runDir === null ? "RUN" : runIdOf(this.ctx.runDir)} ${action.gate}`);
        this.writeWaiting();
        return;
      case "approval-closed":
        this.gates.delete(action.gate);
        this.log("info", `approval "${action.gate}" closed: ${action.outcome}`);
        this.writeWaiting();
        return;
      case "status":
        this.phase = action.phase;
        this.pausedReason = action.pausedReason;
        this.step = action.stepIndex;
        this.message = action.message;
        this.ctx.reporter.statusChanged({ phase: action.phase, pausedReason: action.pausedReason, step: action.stepIndex, message: action.message }, this.confirmed);
        this.writeWaiting();
        return;
      case "finished":
        this.decide({ result: action.result, reason: action.reason });
        return;
      case "settled":
        this.isSettled = true;
        this.runner?.stop();
        this.resolveSettled();
        return;
      case "log":
        this.log(action.level, action.message);
        return;
    }
  }

  /** The stable role replaced after a healthy verdict: its ready instances are kept warm when the deployment keeps one, the rest stop. */
  private async retire(ids: readonly string[] | "all", reason: string): Promise<void> {
    const kept = this.ctx.retireStable === null || this.handedOver ? [] : await this.pool.release("stable", ids, `${reason}; kept warm for pipec deploy undo`);
    if (kept.length > 0) this.ctx.retireStable?.(kept);
    await this.pool.stop("stable", ids, reason);
  }

  private decide(verdict: Verdict): void {
    if (this.verdictValue !== null) return;
    this.verdictValue = verdict;
    this.writeWaiting();
    this.resolveVerdict(verdict);
  }

  private async applyWeights(weights: Weights): Promise<void> {
    const wanted: Record<string, number> = { [this.ctx.canary.version]: weights.canary };
    if (this.ctx.stable !== null) wanted[this.ctx.stable.version] = weights.stable;
    try {
      await this.ctx.router.setWeights(wanted);
      const read = await this.ctx.router.readWeights();
      this.routerWeights = read;
      const confirmed = { stable: this.ctx.stable === null ? 0 : (read[this.ctx.stable.version] ?? 0), canary: read[this.ctx.canary.version] ?? 0 };
      this.confirmed = confirmed;
      this.runner?.observe({ type: "weights-confirmed", weights: confirmed });
    } catch (error) {
      this.log("warn", `the router did not apply stable ${weights.stable}% / new ${weights.canary}%: ${(error as Error).message} (retried)`);
    }
  }

  private async measure(action: Extract<DeployAction, { type: "measure" }>): Promise<void> {
    const wait = action.at - this.ctx.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const preview = this.ctx.previewRouter;
    // A router metric covers the traffic from its window's start up to now, the moment it is asked.
    const windowMs = action.since === null ? action.windowMs : Math.max(0, this.ctx.now() - action.since);
    const sample = await measureMetric(action.metric, windowMs, {
      // Before a blue-green switch the new version's traffic goes through the preview router.
      router: () => (preview !== null && (this.confirmed?.canary ?? 0) === 0 ? preview : this.ctx.router),
      version: this.ctx.canary.version,
      cwd: this.ctx.workspace,
      env: {
        DEPLOY_NAME: this.name,
        DEPLOY_LISTEN: this.ctx.router.listen,
        DEPLOY_PREVIEW_LISTEN: preview?.listen ?? "",
        DEPLOY_VERSION: this.ctx.canary.version,
        DEPLOY_REVISION: String(this.ctx.revision),
        DEPLOY_STABLE_VERSION: this.ctx.stable?.version ?? "",
      },
    });
    // The run's record of the analysis over time (the engine judges the same sample with the same function).
    const judged = assessSample(action.metric, sample);
    this.ctx.reporter.analysis({ analysisId: action.analysisId, metric: action.metric.name, phase: judged.phase, value: judged.value, message: judged.message, weight: this.confirmed?.canary ?? null });
    this.runner?.observe({ type: "measurement", analysisId: action.analysisId, metric: action.metric.name, sample });
  }

  private poll(): void {
    this.polls += 1;
    if (this.ctx.runDir !== null && this.ctx.jobId !== null) {
      const { requests, problems } = takeControlRequests(this.ctx.runDir, this.ctx.jobId);
      for (const problem of problems) this.log("warn", problem);
      for (const request of requests) {
        if (this.runner === null || this.verdictValue !== null) {
          this.log("warn", `ignored pipec ${request.type}: the rollout is ${this.runner === null ? "not started yet" : "over"}`);
          continue;
        }
        this.log("info", `received pipec ${request.type}${request.type === "approve" ? ` ${request.gate}` : request.type === "promote" && request.full ? " --full" : ""}`);
        if (request.type === "approve") this.runner.observe({ type: "approval", gate: request.gate });
        else if (request.type === "promote") this.runner.observe({ type: "promote", full: request.full });
        else this.runner.observe({ type: "abort", reason: request.reason ?? "by request (pipec abort)" });
      }
    }
    if (this.polls % EXIT_POLL_EVERY === 0 && !this.pollingExits) {
      this.pollingExits = true;
      void Promise.all([this.pool.pollExits(), this.handedOver ? undefined : this.ctx.warm?.()?.pollExits()]).finally(() => (this.pollingExits = false));
    }
    this.writeStatus(true);
    // The stop request and the end of serving are the session's that took over.
    if (this.handedOver) return;
    if (this.ctx.stopRequested()) {
      this.log("info", `pipec deploy stop ${this.name}: stopping it now${this.verdictValue === null ? " (before the rollout's verdict)" : ""}`);
      void this.stop();
      return;
    }
    if (this.verdictValue !== null && this.servingOver()) void this.stop();
  }

  private servingOver(): boolean {
    if (this.ctx.serveUntil !== null) return this.ctx.serveUntil.aborted;
    if (this.ctx.runDir === null) return false;
    return existsSync(join(this.ctx.runDir, "state.json")) || !existsSync(this.ctx.runDir);
  }

  private async teardown(): Promise<void> {
    clearInterval(this.poller);
    this.runner?.stop();
    this.decide({ result: "degraded", reason: "stopped before a verdict" });
    this.gates.clear();
    this.ctx.reporter.waiting(null);
    this.log("info", this.handedOver ? `revision ${this.ctx.revision} hands over to the next rollout: its instances stop` : `stopping deployment "${this.name}"${this.ctx.revokeRouter === null ? ": it served while this pipec process ran" : ""}`);
    await this.pool.close();
    await Promise.allSettled([this.ctx.router.close(), this.ctx.previewRouter?.close()]);
    if (!this.handedOver) this.writeStatus(false);
    this.ctx.onEnded();
    unregisterServing(this);
    this.isSettled = true;
    this.resolveSettled();
  }

  private commandOf(role: VersionRole): string[] | null {
    const command = role === "canary" ? this.ctx.canaryCommand : this.ctx.stableCommand;
    return command === null ? null : [...command];
  }

  private writeWaiting(): void {
    if (this.ending !== null || this.handedOver) return;
    this.ctx.reporter.waiting({ phase: this.phase, message: this.message, gates: [...this.gates], inProgress: this.verdictValue === null });
  }

  /** The status as the router applies it now (weights read back from the router), for `pipec deploy status`. */
  async liveStatus(): Promise<DeploymentStatus> {
    const weights = await this.ctx.router.readWeights().catch(() => this.routerWeights);
    return { ...this.statusRecord(this.ending === null), weights: this.ending === null ? weights : {}, updatedAt: new Date().toISOString() };
  }

  private writeStatus(serving: boolean): void {
    if (this.handedOver) return;
    const status = this.statusRecord(serving);
    const json = JSON.stringify(status);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    this.ctx.reporter.setStatus({ ...status, updatedAt: "" });
    this.ctx.reporter.flush();
  }

  /** The instances this session still runs, as status records (`prefix` before each id). */
  instanceRecords(prefix = ""): InstanceStatusRecord[] {
    return this.pool.members.map((m) => ({
      id: `${prefix}${m.id}`,
      role: m.role,
      revision: m.revision,
      port: m.port ?? 0,
      health: m.stopping && m.health !== "failed" ? "stopping" : m.health,
      reason: m.reason,
      driverId: m.instance?.id ?? m.spawnedId ?? null,
      command: this.commandOf(m.role),
      routed: this.pool.isRouted(m),
    }));
  }

  private statusRecord(serving: boolean): Omit<DeploymentStatus, "updatedAt"> {
    const instances = [...this.instanceRecords(), ...(this.ctx.handedOverFrom()?.instanceRecords("handover-") ?? [])];
    const warm = serving ? (this.ctx.warm?.() ?? null) : null;
    if (warm !== null) instances.push(...warm.statusRecords());
    const status: Omit<DeploymentStatus, "updatedAt"> = {
      name: this.name,
      strategy: this.ctx.deployment.strategy,
      revision: this.ctx.revision,
      stableRevision: this.ctx.stable?.revision ?? null,
      phase: this.phase,
      pausedReason: this.pausedReason,
      message: this.message,
      weights: serving ? this.routerWeights : {},
      listen: this.ctx.router.listen,
      previewListen: this.ctx.previewRouter?.listen ?? null,
      instances: serving ? instances : [],
      warmRevision: warm?.revision ?? null,
      serving,
      pid: process.pid,
      pidStartedAt: OWN_START_TIME,
      runId: this.ctx.runDir === null ? null : runIdOf(this.ctx.runDir),
      job: this.ctx.jobId,
      pipeline: this.ctx.pipeline,
    };
    return status;
  }
}

function runIdOf(runDir: string): string {
  return runDir.split(/[\\/]/).filter(Boolean).at(-1) ?? runDir;
}
