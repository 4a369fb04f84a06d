/**
 * What `pipec deploy status` shows of one deployment, as one plain object built from the history and
 * the live status file: the text and `--json` both render this, so they agree field by field.
 */
import type { DeploymentStatus, Revision, StoredEnvValue } from "./schema.ts";
import { servingProcessAlive, stableRevision } from "./store.ts";

export interface RevisionView {
  readonly revision: number;
  readonly status: Revision["status"];
  /** When it finished (or started, while progressing). */
  readonly at: string;
  readonly pipeline: string | null;
  /** `image web:2`, or the host command. */
  readonly target: string;
  /** Env values as stored: resolved values, or the plan form of values that held a secret (`${TOKEN}`, `secret TOKEN`). */
  readonly env: Readonly<Record<string, string>>;
  /** The first 12 hex digits of the digest. */
  readonly digest: string;
  readonly runId: string | null;
  readonly undoOf: number | null;
  readonly reason: string | null;
}

export interface InstanceView {
  readonly id: string;
  /** `warm`: the previous healthy revision's, running but not routed. */
  readonly role: "stable" | "canary" | "warm";
  readonly revision: number;
  readonly address: string;
  readonly health: string;
  readonly reason: string | null;
}

export interface DeploymentView {
  readonly name: string;
  /** The pipeline that owns the name. */
  readonly pipeline: string | null;
  readonly strategy: Revision["deployment"]["strategy"] | null;
  /** The newest revision: being deployed, or serving once healthy. */
  readonly revision: number | null;
  /** The newest healthy revision: what the next rollout shifts from and `deploy undo` goes back from. */
  readonly stableRevision: number | null;
  /** The revision the newest rollout shifted traffic from; null for a first deploy. */
  readonly rolloutFrom: number | null;
  readonly phase: string | null;
  readonly pausedReason: string | null;
  readonly message: string | null;
  /** Whether a live process serves it now (a status left by a process that died says no). */
  readonly serving: boolean;
  /**
   * `serving`; `down`: the status says a process serves it but that process is gone (it ended hard:
   * its instances may still run, `pipec deploy stop` or the next run stops them); `stopped`.
   */
  readonly state: "serving" | "down" | "stopped";
  readonly listen: string | null;
  readonly previewListen: string | null;
  /** The process that serves it (or last did). */
  readonly pid: number | null;
  readonly runId: string | null;
  readonly job: string | null;
  /** The previous healthy revision kept warm while serving (`pipec deploy undo` switches to it at once); null when none is. */
  readonly warmRevision: number | null;
  /** Percent per router version (`r3`) while serving, as the router last confirmed. */
  readonly weights: Readonly<Record<string, number>>;
  readonly instances: readonly InstanceView[];
  /** Newest first. */
  readonly revisions: readonly RevisionView[];
}

export function deploymentView(name: string, status: DeploymentStatus | undefined, revisions: readonly Revision[], alive: (status: DeploymentStatus) => boolean = servingProcessAlive): DeploymentView {
  const serving = status !== undefined && status.serving && alive(status);
  const state = serving ? "serving" : status?.serving === true ? "down" : "stopped";
  const latest = revisions.at(-1);
  return {
    name,
    pipeline: status?.pipeline ?? [...revisions].reverse().find((r) => r.pipeline !== null)?.pipeline ?? null,
    strategy: status?.strategy ?? latest?.deployment.strategy ?? null,
    revision: status?.revision ?? latest?.revision ?? null,
    stableRevision: stableRevision(revisions)?.revision ?? null,
    rolloutFrom: status?.stableRevision ?? null,
    phase: status?.phase ?? latest?.status ?? null,
    pausedReason: status?.pausedReason ?? null,
    message: status?.message ?? latest?.reason ?? null,
    serving,
    state,
    listen: status?.listen ?? null,
    previewListen: status?.previewListen ?? null,
    pid: status?.pid ?? null,
    runId: status?.runId ?? null,
    job: status?.job ?? null,
    warmRevision: serving ? status.warmRevision : null,
    weights: serving ? status.weights : {},
    instances: serving ? status.instances.map((i) => ({ id: i.id, role: i.role, revision: i.revision, address: `127.0.0.1:${i.port}`, health: i.health, reason: i.reason })) : [],
    revisions: [...revisions].reverse().map(revisionView),
  };
}

function revisionView(r: Revision): RevisionView {
  return {
    revision: r.revision,
    status: r.status,
    at: r.finishedAt ?? r.startedAt,
    pipeline: r.pipeline,
    target: r.target.kind === "docker" ? `image ${r.target.image}${r.target.command === null ? "" : ` ${r.target.command.join(" ")}`}` : r.target.command.join(" "),
    env: Object.fromEntries(Object.entries(r.env).map(([key, value]) => [key, envText(value)])),
    digest: r.digest.replace(/^sha256:/, "").slice(0, 12),
    runId: r.runId,
    undoOf: r.undoOf,
    reason: r.reason,
  };
}

function envText(value: StoredEnvValue): string {
  if ("value" in value) return value.value;
  return typeof value.from === "string" ? value.from : `secret ${value.from.secret}`;
}
