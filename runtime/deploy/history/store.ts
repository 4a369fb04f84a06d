/**
 * `.pipec/deployments/<name>/`: `revisions.json` (every deployment attempt, newest last, trimmed to
 * `revisionHistoryLimit` but never losing the stable revision) and `status.json` (what the deployment
 * is doing now, for `pipec deploy status`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { processStartTime } from "../../artifacts/process-identity.ts";
import { readJson, readJsonKept, writeJsonAtomic } from "../../atomic-json.ts";
import { processAlive } from "../../process-alive.ts";
import { DEPLOYMENTS_DIR, deploymentDir } from "./layout.ts";
import { DeploymentStatusSchema, RevisionsFileSchema, type DeploymentStatus, type PastRevision, type Revision } from "./schema.ts";

export { DEPLOYMENTS_DIR, deploymentDir } from "./layout.ts";

/** Names of the deployments with a history in this project, sorted. */
export function listDeployments(projectDir: string): string[] {
  const dir = join(projectDir, DEPLOYMENTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "revisions.json")))
    .map((entry) => entry.name)
    .sort();
}

/** The revisions, oldest first; [] when there is no history. A damaged history throws DamagedJsonError. */
export function readRevisions(projectDir: string, name: string): Revision[] {
  return readJsonKept(join(deploymentDir(projectDir, name), "revisions.json"), RevisionsFileSchema)?.revisions ?? [];
}

/** The delivery metrics keep this many trimmed revisions' timelines (years of daily deploys, about 300 bytes each). */
const PAST_LIMIT = 5000;

/**
 * Adds or replaces (by number) a revision, then trims the oldest beyond `limit`, keeping the stable
 * one. A trimmed revision's delivery timeline stays in `past`. `touch` updates earlier revisions
 * (kept or past) in the same write: a promotion marks the failures it recovers.
 */
export function saveRevision(projectDir: string, name: string, revision: Revision, limit: number, touch?: (earlier: PastRevision) => PastRevision): void {
  const file = readJsonKept(join(deploymentDir(projectDir, name), "revisions.json"), RevisionsFileSchema);
  const update = <T extends PastRevision>(r: T): T => (touch === undefined || r.revision === revision.revision ? r : { ...r, ...touch(r) });
  const revisions = (file?.revisions ?? []).filter((r) => r.revision !== revision.revision).map(update);
  revisions.push(revision);
  revisions.sort((a, b) => a.revision - b.revision);
  const stable = stableRevision(revisions);
  const keep = new Set(revisions.slice(-Math.max(1, limit)).map((r) => r.revision));
  if (stable) keep.add(stable.revision);
  const trimmed = revisions.filter((r) => !keep.has(r.revision)).map(pastRevision);
  const past = [...(file?.past ?? []).map(update), ...trimmed].sort((a, b) => a.revision - b.revision).slice(-PAST_LIMIT);
  writeJsonAtomic(join(deploymentDir(projectDir, name), "revisions.json"), { name, revisions: revisions.filter((r) => keep.has(r.revision)), past });
}

/** Every revision's delivery timeline, trimmed ones included, oldest first: what the delivery metrics read. */
export function readDeliveryHistory(projectDir: string, name: string): PastRevision[] {
  const file = readJsonKept(join(deploymentDir(projectDir, name), "revisions.json"), RevisionsFileSchema);
  if (file === undefined) return [];
  const kept = new Set(file.revisions.map((r) => r.revision));
  return [...file.past.filter((r) => !kept.has(r.revision)), ...file.revisions.map(pastRevision)].sort((a, b) => a.revision - b.revision);
}

function pastRevision(r: PastRevision): PastRevision {
  const { revision, status, undoOf, startedAt, finishedAt, commit, kind, promotedAt, rolledBackAt, recoveredAt } = r;
  return { revision, status, undoOf, startedAt, finishedAt, commit, kind, promotedAt, rolledBackAt, recoveredAt };
}

export function nextRevisionNumber(revisions: readonly Revision[]): number {
  return revisions.reduce((n, r) => Math.max(n, r.revision), 0) + 1;
}

/** The revision that serves when a deployment starts: the newest one that became healthy. */
export function stableRevision(revisions: readonly Revision[]): Revision | undefined {
  return [...revisions].reverse().find((r) => r.status === "healthy");
}

/** What `pipec deploy undo` goes back to: the newest healthy revision before the stable one with a different spec. */
export function previousRevision(revisions: readonly Revision[]): Revision | undefined {
  const stable = stableRevision(revisions);
  if (!stable) return undefined;
  return [...revisions].reverse().find((r) => r.revision < stable.revision && r.status === "healthy" && r.digest !== stable.digest);
}

export function readStatus(projectDir: string, name: string): DeploymentStatus | undefined {
  return readJson(join(deploymentDir(projectDir, name), "status.json"), DeploymentStatusSchema);
}

export function writeStatus(projectDir: string, status: DeploymentStatus): void {
  writeJsonAtomic(join(deploymentDir(projectDir, status.name), "status.json"), status);
}

/**
 * Whether `status.pid` is still the pipec process that serves the deployment. A live pid is not
 * enough: pids are reused (after a reboot, another program may hold the supervisor's). So its kernel
 * start time must be the one the status recorded; a status written without one (older pipec)
 * counts only when the pid runs `deploy serve NAME`.
 */
export function servingProcessAlive(status: Pick<DeploymentStatus, "name" | "pid" | "pidStartedAt">): boolean {
  if (!processAlive(status.pid)) return false;
  if (status.pidStartedAt === undefined) return isSupervisorProcess(status.pid, status.name);
  if (status.pidStartedAt === null) return true;
  const now = processStartTime(status.pid);
  return now === null || now === status.pidStartedAt;
}

/** Whether the process `pid` is a pipec supervisor of this deployment (Linux /proc; elsewhere: assumed). */
export function isSupervisorProcess(pid: number, name: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const at = argv.indexOf("serve");
    return at > 0 && argv[at - 1] === "deploy" && argv[at + 1] === name;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

