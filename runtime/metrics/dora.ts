/**
 * The four DORA metrics, computed from deployment histories: a pure function of the revisions'
 * delivery timelines, a window and the time now (tests pass a fake one).
 *
 * - deployment frequency: rollouts promoted in the window, per day;
 * - lead time for changes: commit author time → promotion, the median over the window's changes
 *   (one per deployed commit: its first promotion);
 * - change failure rate: rollouts that failed or were rolled back (automatically, or by a later
 *   `pipec deploy undo`) / rollouts with a verdict (cancelled ones are not counted);
 * - time to restore: a failure (its rollback, else its verdict) → the next healthy promotion of the
 *   deployment, the median over the window's failures that were restored.
 *
 * Only rollouts (pipeline deploy jobs) are changes: `pipec deploy undo` and `pipec deploy up` are
 * recoveries and restarts, counted only as the promotions that restore.
 */
import type { PastRevision } from "../deploy/history/index.ts";
import { bandOf, type Band } from "./bands.ts";

/** One revision of one deployment, as its history keeps it. */
export type DeliveryRecord = PastRevision & { readonly deployment: string };

export interface DoraWindow {
  /** Epoch milliseconds. */
  readonly now: number;
  /** How far back the window reaches, in milliseconds. */
  readonly sinceMs: number;
}

interface Figure {
  /** null: not enough data (see `note`). */
  readonly band: Band | null;
  /** Why there is no figure, or what it leaves out; null when there is nothing to say. */
  readonly note: string | null;
}

export interface DeploymentFrequency extends Figure {
  /** Rollouts promoted in the window. */
  readonly deployments: number;
  readonly days: number;
  readonly perDay: number | null;
}

export interface LeadTime extends Figure {
  /** Deployed commits with an author time (each counted at its first promotion in the window). */
  readonly changes: number;
  /** Promotions whose revision records no commit (not a git checkout, or a history from before commits were recorded). */
  readonly withoutCommit: number;
  readonly medianMs: number | null;
}

export interface ChangeFailureRate extends Figure {
  /** Rollouts started in the window with a verdict (healthy, degraded, failed, timed out). */
  readonly deployments: number;
  /** Rolled back by the deployment itself (degraded, timed out) or failed. */
  readonly failed: number;
  /** Promoted, then undone (`pipec deploy undo`). */
  readonly undone: number;
  /** Cancelled (Ctrl-C, `pipec abort`): not counted either way. */
  readonly cancelled: number;
  readonly rate: number | null;
}

export interface TimeToRestore extends Figure {
  /** Failures in the window (as counted by the change failure rate, by when they failed). */
  readonly failures: number;
  readonly restored: number;
  /** Failures with no healthy promotion since. */
  readonly unrestored: number;
  readonly medianMs: number | null;
}

export interface DoraFigures {
  /** null: every deployment together. */
  readonly deployment: string | null;
  readonly from: string;
  readonly to: string;
  readonly deploymentFrequency: DeploymentFrequency;
  readonly leadTime: LeadTime;
  readonly changeFailureRate: ChangeFailureRate;
  readonly timeToRestore: TimeToRestore;
}

const DAY_MS = 86_400_000;
const FAILED_VERDICTS = new Set(["degraded", "failed", "timed-out"]);

export function computeDora(records: readonly DeliveryRecord[], window: DoraWindow, deployment: string | null): DoraFigures {
  const from = window.now - window.sinceMs;
  const inWindow = (at: string | null): at is string => at !== null && Date.parse(at) >= from && Date.parse(at) <= window.now;
  const rollouts = records.map(normalise).filter((r) => r.kind === "rollout");
  const span = `the last ${describeSpan(window.sinceMs)}`;
  return {
    deployment,
    from: new Date(from).toISOString(),
    to: new Date(window.now).toISOString(),
    deploymentFrequency: deploymentFrequency(rollouts.filter((r) => inWindow(r.promotedAt)), window.sinceMs, span),
    leadTime: leadTime(rollouts.filter((r) => inWindow(r.promotedAt)), span),
    changeFailureRate: changeFailureRate(rollouts.filter((r) => inWindow(r.startedAt) && r.status !== "progressing"), span),
    timeToRestore: timeToRestore(rollouts.filter((r) => isFailure(r) && inWindow(failedAt(r))), span),
  };
}

/** Histories written before delivery times: a healthy revision was promoted when it finished; one with `undoOf` is an undo. */
function normalise(r: DeliveryRecord): DeliveryRecord {
  const promotedAt = r.promotedAt ?? (r.status === "healthy" ? r.finishedAt : null);
  const kind = r.kind === "rollout" && r.undoOf !== null ? "undo" : r.kind;
  return { ...r, promotedAt, kind };
}

function isFailure(r: DeliveryRecord): boolean {
  return FAILED_VERDICTS.has(r.status) || (r.promotedAt !== null && r.rolledBackAt !== null);
}

function failedAt(r: DeliveryRecord): string | null {
  return r.rolledBackAt ?? r.finishedAt;
}

function deploymentFrequency(promoted: readonly DeliveryRecord[], sinceMs: number, span: string): DeploymentFrequency {
  const days = sinceMs / DAY_MS;
  if (promoted.length === 0) return { deployments: 0, days, perDay: null, band: null, note: `not enough data: no rollout was promoted in ${span}` };
  const perDay = promoted.length / days;
  return { deployments: promoted.length, days, perDay, band: bandOf("deploymentFrequency", perDay), note: null };
}

function leadTime(promoted: readonly DeliveryRecord[], span: string): LeadTime {
  const firstByCommit = new Map<string, number>();
  let withoutCommit = 0;
  for (const r of promoted) {
    if (r.commit?.authoredAt == null) {
      withoutCommit += 1;
      continue;
    }
    const key = `${r.deployment}\0${r.commit.sha}`;
    const ms = Math.max(0, Date.parse(r.promotedAt!) - Date.parse(r.commit.authoredAt));
    const earlier = firstByCommit.get(key);
    // The change reached users at its first promotion: later re-deploys of the same commit add nothing.
    if (earlier === undefined || ms < earlier) firstByCommit.set(key, ms);
  }
  const medianMs = median([...firstByCommit.values()]);
  const left = withoutCommit === 0 ? null : `${withoutCommit} promotion(s) record no commit and are left out`;
  if (medianMs === null) {
    return { changes: 0, withoutCommit, medianMs, band: null, note: `not enough data: no promoted rollout in ${span} records a commit${left === null ? "" : ` (${left})`}` };
  }
  return { changes: firstByCommit.size, withoutCommit, medianMs, band: bandOf("leadTime", medianMs), note: left };
}

function changeFailureRate(finished: readonly DeliveryRecord[], span: string): ChangeFailureRate {
  const cancelled = finished.filter((r) => r.status === "cancelled").length;
  const counted = finished.filter((r) => r.status !== "cancelled");
  const failed = counted.filter((r) => FAILED_VERDICTS.has(r.status)).length;
  const undone = counted.filter((r) => !FAILED_VERDICTS.has(r.status) && isFailure(r)).length;
  const skipped = cancelled === 0 ? null : `${cancelled} cancelled rollout(s) not counted`;
  if (counted.length === 0) {
    return { deployments: 0, failed, undone, cancelled, rate: null, band: null, note: `not enough data: no rollout with a verdict in ${span}${skipped === null ? "" : ` (${skipped})`}` };
  }
  const rate = (failed + undone) / counted.length;
  return { deployments: counted.length, failed, undone, cancelled, rate, band: bandOf("changeFailureRate", rate), note: skipped };
}

function timeToRestore(failures: readonly DeliveryRecord[], span: string): TimeToRestore {
  const restored = failures.filter((r) => r.recoveredAt !== null);
  const durations = restored.map((r) => Math.max(0, Date.parse(r.recoveredAt!) - Date.parse(failedAt(r)!)));
  const unrestored = failures.length - restored.length;
  const medianMs = median(durations);
  if (failures.length === 0) return { failures: 0, restored: 0, unrestored: 0, medianMs, band: null, note: `not enough data: no failed or rolled-back rollout in ${span}` };
  if (medianMs === null) return { failures: failures.length, restored: 0, unrestored, medianMs, band: null, note: `not enough data: ${unrestored} failure(s), none restored by a healthy promotion yet` };
  return { failures: failures.length, restored: restored.length, unrestored, medianMs, band: bandOf("timeToRestore", medianMs), note: unrestored === 0 ? null : `${unrestored} failure(s) not restored yet, left out` };
}

/** The median (the mean of the middle two for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `30 days`, `12 hours`, `90 minutes`: how a window reads in a sentence. */
export function describeSpan(ms: number): string {
  const units: Array<[string, number]> = [["day", DAY_MS], ["hour", 3_600_000], ["minute", 60_000], ["second", 1000]];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms / size === 1 ? "" : "s"}`;
  }
  return `${ms} ms`;
}
