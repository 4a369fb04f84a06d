/**
 * A deploy job, for real: `runDeployment` resolves the target, starts the stable revision again
 * (instances do not outlive the pipec process that started them, see README.md), creates the
 * router(s), drivers and health checks, and drives the strategy engine to its verdict. Healthy →
 * success; degraded → failed with the engine's reason (the metric and its measured value); the job's
 * signal (timeout, cancel) → abort (traffic back to stable), then timed-out / cancelled. After the
 * verdict the deployment keeps serving until the run ends.
 */
import { join } from "node:path";
import type { DockerEngine } from "../../docker/index.ts";
import type { JobOutcome } from "../../executor/types.ts";
import type { Deployment } from "../../plan/schema.ts";
import type { RunEventDraft } from "../../run/events.ts";
import { RUNS_DIR } from "../../run/run-store.ts";
import { probeForCheck } from "../health/index.ts";
import {
  DeploymentBusyError,
  acquireDeploymentLock,
  checkOwnership,
  nextRevisionNumber,
  ownerOf,
  readRevisions,
  readStatus,
  saveRevision,
  stableRevision,
  type PastRevision,
  type Revision,
  type RevisionCommit,
  type RevisionKind,
  type RevisionStatus,
} from "../history/index.ts";
import type { DeployObservation } from "../strategy/index.ts";
import type { Instance, InstanceAddress, Router } from "../types.ts";
import { reapLeftoverProcesses } from "./leftovers.ts";
import { leaseRouter } from "./router-lease.ts";
import { DeploymentReporter } from "./reporter.ts";
import { resolveTarget, restoreTarget, type TargetSpec, type TargetValues } from "./resolve-target.ts";
import { stopServing } from "./serving.ts";
import { takeStopRequest } from "./stop-deployment.ts";
import { DeploymentSession, type DeploymentSnapshot, type Verdict } from "./session.ts";
import { createRouters, driverFactory } from "./setup.ts";
import { describeTarget, waitForStable, withoutStepsAndAnalysis } from "./stable.ts";
import { stopHeld, type HeldRevision, type WarmRevision } from "./warm-revision.ts";

export interface RunDeploymentInput {
  /** The pipec run (its control files and end); null outside a run (`pipec deploy undo`). */
  readonly runId: string | null;
  readonly jobId: string | null;
  /** The pipeline deploying (it owns the name from then on); null: act for the name's owner (`pipec deploy undo`). */
  readonly pipeline: string | null;
  readonly deployment: Deployment;
  readonly projectDir: string;
  /** The job's workspace: process targets, command probes and command metrics run there. */
  readonly workspace: string;
  /** The job's variables, for `${VAR}` in the target's image, command and env. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret values by name, for `secret()` values in the target's env. @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /** The Docker engine for docker targets; null: connect when a docker target needs it. */
  readonly engine: DockerEngine | null;
  readonly emit: (event: RunEventDraft) => void;
  /** Aborted with "timeout" or "cancel": the deployment is aborted (traffic back to stable). */
  readonly signal: AbortSignal;
  /** @default Date.now */
  readonly now?: () => number;
  /** Masks secret values in every line, event and file. @default no masking */
  readonly mask?: (text: string) => string;
  /** Appends to the job's log file. */
  readonly appendLog?: (text: string) => void;
  /** Serving ends when this aborts. @default when the run ends (its state.json appears) */
  readonly serveUntil?: AbortSignal;
  /** Called once the session exists: tests watch and steer it, the CLI prints progress. */
  readonly onStarted?: (handle: DeploymentHandle) => void;
  /** `pipec deploy undo`: deploy this earlier revision's target, skipping steps and analysis. */
  readonly undoTo?: Revision;
  /** The commit deployed (the run's checkout), for the delivery metrics; with `undoTo`, that revision's. @default null */
  readonly commit?: RevisionCommit | null;
  /** Why this revision exists. @default "undo" with `undoTo`, else "rollout" */
  readonly kind?: RevisionKind;
  /** In a deployment's supervisor: routers that outlive the rollout, and the session serving now. */
  readonly live?: LiveDeployment;
  /**
   * With `undoTo`, in a supervisor: the instances of that revision, kept warm and still ready. They
   * take the traffic at once from the session serving now, whose instances are kept warm in turn.
   */
  readonly warm?: HeldRevision;
}

/**
 * What a supervisor (`../supervisor`) gives each rollout: it holds the name's lock for its life, its
 * routers outlive every rollout, and the session serving now hands over to the new one (see
 * router-lease.ts) and stops once the new one has its verdict.
 */
export interface LiveDeployment {
  /** The routers for this deployment's addresses; `reused`: the ones the previous session serves on. */
  routers(deployment: Deployment): Promise<{ router: Router; previewRouter: Router | null; reused: boolean }>;
  readonly previous: DeploymentSession | null;
  /** The new session exists (it serves from now on). */
  started(session: DeploymentSession): void;
  /** The session stopped serving by itself (`pipec deploy stop`, teardown), not by a handover. */
  ended(session: DeploymentSession): void;
  /** A promotion replaced a revision: its ready instances, still running, become the warm revision (replacing the one before). */
  keepWarm(held: HeldRevision): void;
  /** The warm revision now, if any. */
  warm(): WarmRevision | null;
}

export interface DeploymentHandle {
  readonly name: string;
  readonly revision: number;
  readonly router: Router;
  readonly previewRouter: Router | null;
  /** Router version ids (`r3`); stable is null for a first deploy. */
  readonly versions: { readonly stable: string | null; readonly canary: string };
  /** An undo that switches to the warm instances (no instance started). */
  readonly warm: boolean;
  snapshot(): DeploymentSnapshot;
  observe(observation: DeployObservation): void;
  readonly verdict: Promise<Verdict>;
  /** Resolves when nothing more will happen before serving ends (scale-downs done), or when serving ended. */
  readonly settled: Promise<void>;
  /** Ends serving now. */
  stop(): Promise<void>;
}

/** After the job's signal, how long the rollback may take before the job ends anyway. */
const ABORT_WAIT_MS = 20_000;

export async function runDeployment(input: RunDeploymentInput): Promise<JobOutcome> {
  const held = { adopted: false };
  try {
    return await deploy(input, held);
  } finally {
    // Warm instances that no session adopted (the undo failed before) are not left running.
    if (input.warm !== undefined && !held.adopted) await stopHeld(input.warm);
  }
}

async function deploy(input: RunDeploymentInput, held: { adopted: boolean }): Promise<JobOutcome> {
  const { projectDir, signal } = input;
  const now = input.now ?? Date.now;
  const mask = input.mask ?? ((text: string) => text);
  const name = input.deployment.name;
  const runDir = input.runId === null ? null : join(projectDir, RUNS_DIR, input.runId);
  const failed = (message: string): JobOutcome => ({ outcome: "failed", exitCode: 1, step: 0, message: mask(message) });

  const ownership = checkOwnership(name, readRevisions(projectDir, name), input.pipeline, input.deployment.takeOver);
  if (!ownership.ok) return failed(ownership.message);
  const live = input.live ?? null;
  let releaseLock: () => void = () => undefined;
  if (live === null) {
    await stopServing(name);
    try {
      releaseLock = acquireDeploymentLock(projectDir, name, input.runId);
    } catch (error) {
      if (error instanceof DeploymentBusyError) return failed(error.message);
      throw error;
    }
  }

  const reaped = reapLeftoverProcesses(readStatus(projectDir, name));
  const values: TargetValues = { lookup: (variable) => input.env[variable], secrets: input.secrets ?? {}, holdsSecret: (value) => mask(value) !== value };
  // We hold the lock, so a revision still "progressing" belongs to a pipec process that ended before its verdict.
  for (const stale of readRevisions(projectDir, name).filter((r) => r.status === "progressing")) {
    saveRevision(projectDir, name, { ...stale, status: "cancelled", reason: "its pipec process ended before a verdict", finishedAt: new Date().toISOString() }, input.deployment.revisionHistoryLimit);
  }
  const revisions = readRevisions(projectDir, name);
  const stable = stableRevision(revisions);
  let spec: TargetSpec;
  try {
    spec = input.undoTo ? restoreTarget(input.undoTo.target, input.undoTo.env, values) : resolveTarget(input.deployment.target, values);
  } catch (error) {
    releaseLock();
    return failed(`deployment "${name}": ${(error as Error).message}`);
  }
  const engineDeployment = input.undoTo ? withoutStepsAndAnalysis(input.deployment) : input.deployment;
  const unchanged = stable !== undefined && stable.digest === spec.digest;
  let stableSpec: TargetSpec | null = null;
  let stableProblem: string | null = null;
  if (stable !== undefined && !unchanged) {
    try {
      stableSpec = restoreTarget(stable.target, stable.env, values);
    } catch (error) {
      stableProblem = (error as Error).message;
    }
  }

  let record: Revision = {
    revision: nextRevisionNumber(revisions),
    deployment: input.deployment,
    target: spec.target,
    env: { ...spec.stored },
    digest: spec.digest,
    status: "progressing",
    reason: null,
    runId: input.runId,
    job: input.jobId,
    pipeline: input.pipeline ?? ownerOf(revisions)?.pipeline ?? null,
    undoOf: input.undoTo?.revision ?? null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    commit: input.undoTo !== undefined ? input.undoTo.commit : (input.commit ?? null),
    kind: input.kind ?? (input.undoTo !== undefined ? "undo" : "rollout"),
    promotedAt: null,
    rolledBackAt: null,
    recoveredAt: null,
  };
  const save = (status: RevisionStatus, reason: string | null) => {
    const at = new Date().toISOString();
    record = { ...record, status, reason: reason === null ? null : mask(reason), finishedAt: status === "progressing" ? null : at, ...deliveryTimes(status, at, stable !== undefined) };
    try {
      saveRevision(projectDir, name, record, input.deployment.revisionHistoryLimit, status === "healthy" ? promotionTouch(record, stable, at) : undefined);
    } catch {
      // the history is best effort: a read-only .pipec does not fail the deployment
    }
  };
  save("progressing", null);
  const reporter = new DeploymentReporter({ projectDir, runId: input.runId, runDir, jobId: input.jobId, name, revision: record.revision, emit: input.emit, appendLog: input.appendLog ?? null, mask });
  if (ownership.takenFrom !== null) {
    reporter.line(`pipeline "${input.pipeline ?? ""}" takes deployment "${name}" over from pipeline "${ownership.takenFrom.pipeline}" (takeOver: true); its revision ${stable?.revision ?? "-"} is the stable version to shift from`);
  }
  if (reaped > 0) reporter.line(`stopped ${reaped} leftover host process(es) of "${name}" from a pipec process that ended hard`);
  const revisionLabel = `revision ${record.revision} (${describeTarget(spec)})`;

  let routers: { router: Router; previewRouter: Router | null; reused?: boolean };
  try {
    routers = live === null ? await createRouters(input.deployment, projectDir) : await live.routers(input.deployment);
  } catch (error) {
    save("failed", (error as Error).message);
    releaseLock();
    return failed((error as Error).message);
  }
  // The session serving now hands the router over: its instances stay routed until this one's are ready.
  const previous = live?.previous ?? null;
  const warm = input.warm !== undefined && input.undoTo !== undefined && previous !== null && routers.reused === true ? input.warm : null;
  if (input.warm !== undefined && warm === null) reporter.line(`the warm instances of revision ${input.warm.revision} cannot take over here (${previous === null ? "nothing serves" : "the router changed"}): starting the revision again`);
  const drivers = driverFactory({ engine: input.engine, workspace: input.workspace, projectDir });
  const canaryDriver = warm?.driver ?? drivers.driverFor(spec);
  const stableDriver = stableSpec === null || warm !== null ? null : drivers.driverFor(stableSpec);
  try {
    // A live previous session's containers serve until this rollout has its verdict.
    const removed = live?.previous ? 0 : await drivers.cleanup(name);
    if (removed > 0) reporter.line(`removed ${removed} leftover instance(s) of "${name}" from an earlier pipec process`);
  } catch (error) {
    if (live === null) await Promise.allSettled([routers.router.close(), routers.previewRouter?.close()]);
    const message = `deployment "${name}": the Docker engine is not reachable: ${(error as Error).message}`;
    save("failed", message);
    releaseLock();
    return { outcome: "infrastructure-error", message: mask(message) };
  }

  /** The previous session until its instances are stopped (after this one's verdict). */
  let handingOver = previous;
  const inherited: Map<string, InstanceAddress[]> = previous !== null && routers.reused === true ? previous.handOver() : new Map();
  const lease = live === null ? null : leaseRouter(routers.router, new Map([...inherited].filter(([, list]) => list.length > 0)));
  const previewLease = live === null || routers.previewRouter === null ? null : leaseRouter(routers.previewRouter);
  // A warm undo adopts what serves now as its stable role (kept warm after the switch), rather than starting it again.
  const serving = warm !== null ? await previous!.releaseServing() : null;
  const stableRole = serving?.role ?? (stable !== undefined && stableSpec !== null && stableDriver !== null ? { driver: stableDriver, version: `r${stable.revision}`, revision: stable.revision } : null);
  const stableCommand = warm !== null ? (serving?.command ?? null) : stableSpec?.target.kind === "process" ? stableSpec.target.command : null;
  const probe = probeForCheck(input.deployment.healthCheck, { cwd: input.workspace });
  const keepWarm = (instances: readonly Instance[]) => {
    const digest = readRevisions(projectDir, name).find((r) => r.revision === stableRole!.revision)?.digest;
    const retired: HeldRevision = { revision: stableRole!.revision, digest: digest ?? "", driver: stableRole!.driver, instances, command: stableCommand, probe, timing: input.deployment.healthCheck, graceMs: input.deployment.drainTimeoutMs, log: (line) => reporter.line(line) };
    if (digest === undefined) void stopHeld(retired);
    else live!.keepWarm(retired);
  };
  const session = new DeploymentSession({
    name,
    jobId: input.jobId,
    pipeline: record.pipeline,
    runDir,
    workspace: input.workspace,
    revision: record.revision,
    deployment: engineDeployment,
    router: lease?.router ?? routers.router,
    previewRouter: previewLease?.router ?? routers.previewRouter,
    canary: { driver: canaryDriver, version: `r${record.revision}`, revision: record.revision },
    stable: stableRole,
    canaryCommand: spec.target.kind === "process" ? spec.target.command : null,
    stableCommand,
    probe,
    timing: input.deployment.healthCheck,
    reporter,
    now,
    serveUntil: input.serveUntil ?? null,
    onEnded: () => {
      releaseLock();
      live?.ended(session);
    },
    stopRequested: () => takeStopRequest(projectDir, name, process.pid),
    revokeRouter:
      lease === null
        ? null
        : () => {
            previewLease?.revoke();
            return lease.revoke();
          },
    retireStable: live === null || stableRole === null ? null : keepWarm,
    warm: live === null ? null : () => live.warm(),
    handedOverFrom: () => handingOver,
  });
  live?.started(session);
  input.onStarted?.({
    name,
    revision: record.revision,
    router: routers.router,
    previewRouter: routers.previewRouter,
    versions: { stable: stableRole?.version ?? null, canary: `r${record.revision}` },
    warm: warm !== null,
    snapshot: () => session.snapshot(),
    observe: (observation) => session.observe(observation),
    verdict: session.verdict,
    settled: session.settled,
    stop: () => session.stop(),
  });

  const abortReason = () => (signal.reason === "timeout" ? "the job timed out" : "the job was cancelled");
  const onAbort = () => session.abort(abortReason());
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const listen = routers.router.listen;
    let hasStable = false;
    if (warm !== null) {
      reporter.line(`undo of "${name}" on ${listen}: ${revisionLabel} from the ${warm.instances.length} warm instance(s) of revision ${warm.revision}, still running; ${stableRole === null ? "nothing served all the traffic" : `revision ${stableRole.revision}'s instances are kept warm in turn`}`);
      held.adopted = true;
      await session.switchToAdopted(serving?.instances ?? [], warm.instances);
    } else if (stableRole !== null && stable !== undefined) {
      reporter.line(`${input.deployment.strategy} deployment of "${name}" on ${listen}: ${revisionLabel}, from the stable revision ${stable.revision} (${describeTarget(stableSpec!)}), started again first`);
      hasStable = await waitForStable(session, input.deployment, signal);
      if (!hasStable && !signal.aborted) {
        reporter.line(`warning: the stable revision ${stable.revision} did not become ready: deploying ${revisionLabel} as a first deploy (no steps, no analysis)`);
        await session.pool.stop("stable", "all", "the stable revision did not become ready");
      }
    } else if (unchanged) {
      reporter.line(`"${name}" ${revisionLabel} has the same target and env as the stable revision ${stable!.revision}: started without steps or analysis`);
    } else if (stable !== undefined) {
      reporter.line(`warning: the stable revision ${stable.revision} cannot be started again (${stableProblem ?? "unknown"}): deploying ${revisionLabel} as a first deploy`);
    } else {
      reporter.line(`first deploy of "${name}" on ${listen}: ${revisionLabel}`);
    }
    if (signal.aborted) onAbort();
    else if (warm === null) session.startEngine(hasStable);

    const verdict = await untilVerdict(session.verdict, signal);
    if (signal.aborted) {
      const status = signal.reason === "timeout" ? "timed-out" : "cancelled";
      const message = `deployment "${name}" ${revisionLabel} aborted because ${abortReason()}: ${verdict?.reason ?? "the rollback did not finish in time"}`;
      reporter.line(message);
      save(status, message);
      return status === "timed-out" ? { outcome: "timed-out", step: null, message: mask(message) } : { outcome: "cancelled", message: mask(message) };
    }
    if (verdict?.result === "healthy") {
      reporter.line(`"${name}" ${revisionLabel} is healthy and serves on ${listen}${routers.previewRouter === null ? "" : ` (preview ${routers.previewRouter.listen})`} ${live === null ? "until this pipec process ends" : `after the run too (pipec deploy status|undo|stop ${name})`}`);
      save("healthy", null);
      return { outcome: "success" };
    }
    const reason = `${verdict?.reason ?? "no verdict"}${session.pool.explainUnready(verdict?.reason ?? "")}`;
    const back = stableRole === null || !hasStable ? "" : `; traffic is back on the stable revision ${stableRole.revision}`;
    save("degraded", reason);
    return failed(`deployment "${name}" ${revisionLabel} rolled back: ${reason}${back}`);
  } finally {
    signal.removeEventListener("abort", onAbort);
    reporter.detach();
    if (previous !== null) {
      // The new session routes its own instances (or none of the old version) now: the old ones stop.
      previous.handOver();
      void previous.stop().then(() => (handingOver = null));
    }
  }
}

/** A verdict's delivery times: promoted when healthy; rolled back when traffic went back to a stable revision. */
function deliveryTimes(status: RevisionStatus, at: string, hadStable: boolean): Pick<Revision, "promotedAt" | "rolledBackAt"> {
  if (status === "healthy") return { promotedAt: at, rolledBackAt: null };
  const back = hadStable && (status === "degraded" || status === "timed-out" || status === "cancelled");
  return { promotedAt: null, rolledBackAt: back ? at : null };
}

/**
 * What a promotion does to earlier revisions: an undo rolls the revision it replaces back (from when
 * the undo started); every earlier failure not yet recovered is recovered now. A restart of the
 * stable revision (`pipec deploy up`) recovers nothing: it changed nothing.
 */
function promotionTouch(record: Revision, replaced: Revision | undefined, at: string): ((earlier: PastRevision) => PastRevision) | undefined {
  if (record.kind === "restart") return undefined;
  return (earlier) => {
    const rolledBackAt = record.kind === "undo" && earlier.revision === replaced?.revision && earlier.rolledBackAt === null ? record.startedAt : earlier.rolledBackAt;
    const failed = rolledBackAt !== null || earlier.status === "degraded" || earlier.status === "failed" || earlier.status === "timed-out";
    return { ...earlier, rolledBackAt, recoveredAt: failed && earlier.recoveredAt === null && earlier.revision < record.revision ? at : earlier.recoveredAt };
  };
}

/** The verdict; after the job's signal, at most ABORT_WAIT_MS more (null when it does not come). */
function untilVerdict(verdict: Promise<Verdict>, signal: AbortSignal): Promise<Verdict | null> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => (timer = setTimeout(() => resolve(null), ABORT_WAIT_MS));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    void verdict.then((value) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}
