/**
 * Run retention on disk: `pipec runs rm`, `pipec runs gc` and the default policy at the end of each
 * run. Removes the chosen runs' folders under `.pipec/runs/`, then has the store's gc delete their
 * artifacts (snapshots included) and whatever objects nothing uses any more. The store's own rules
 * still hold: an artifact held by a live run, pinned, or used by the job cache is kept, and no object
 * is deleted while a snapshot or a collect is being written (see runtime/artifacts/gc.ts).
 *
 * A run folder is removed by renaming it out of `runs/` first (one atomic step: `pipec runs` never
 * lists half a run), then deleting the renamed folder.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { openArtifactStore, type GcReport } from "../artifacts/index.ts";
import { listDeployments, readRevisions, stableRevision } from "../deploy/history/index.ts";
import { CACHED_LOG_SUFFIX, listRunIds, readRunEvents, readRunState, runDir, RUNS_DIR } from "../run/index.ts";
import { isRunLive, PID_FILE as PID_FILE_OF_RUN } from "../run/reap-crashed-runs.ts";
import { planRunRetention, type RunFacts, type RunPolicy } from "./plan-run-retention.ts";

export const PIN_FILE = "pinned";

export interface PruneOptions {
  readonly projectDir: string;
  readonly storeDir: string;
  readonly policy: RunPolicy;
  /** Say what would go, remove nothing. @default false */
  readonly dryRun?: boolean;
  /** Only touch the store when at least this many runs go (the end-of-run default: gc reads every artifact). @default 1 */
  readonly minRemoved?: number;
}

export interface PruneReport {
  readonly dryRun: boolean;
  readonly removed: readonly { readonly id: string; readonly reason: string }[];
  readonly protected: readonly { readonly id: string; readonly reason: string }[];
  /** The store's gc, when it ran. */
  readonly store: GcReport | null;
}

export async function pruneRuns(options: PruneOptions): Promise<PruneReport> {
  const { projectDir } = options;
  const dryRun = options.dryRun ?? false;
  const deployments = deploymentRuns(projectDir);
  const runs = listRunIds(projectDir).map((id) => runFacts(projectDir, id, deployments));
  const plan = planRunRetention(runs, options.policy, Date.now());
  if (dryRun || plan.remove.length < (options.minRemoved ?? 1)) {
    return { dryRun, removed: dryRun ? plan.remove : [], protected: plan.protected, store: null };
  }
  for (const { id } of plan.remove) removeRunDir(projectDir, id);
  const store = openArtifactStore(options.storeDir);
  const report = await store.gc({ policy: { removedRuns: new Set(plan.remove.map((r) => r.id)) } });
  return { dryRun, removed: plan.remove, protected: plan.protected, store: report };
}

/** Pins or unpins a run: a pinned run is never removed by retention. */
export function pinRun(projectDir: string, runId: string, on: boolean): void {
  const file = join(runDir(projectDir, runId), PIN_FILE);
  if (on) writeFileSync(file, "");
  else rmSync(file, { force: true });
}

function runFacts(projectDir: string, id: string, deployments: ReadonlyMap<string, string>): RunFacts {
  const dir = runDir(projectDir, id);
  const state = readRunState(projectDir, id);
  let pipeline = state?.pipeline;
  let startedAt = state ? Date.parse(state.startedAt) : Number.NaN;
  if (!state) {
    const started = readRunEvents(projectDir, id).find((e) => e.type === "run.started");
    pipeline = started?.type === "run.started" ? started.pipeline : "?";
    startedAt = started ? Date.parse(started.time) : 0;
  }
  const logs = join(dir, "logs");
  const logsFrom = existsSync(logs)
    ? readdirSync(logs)
        .filter((name) => name.endsWith(CACHED_LOG_SUFFIX))
        .map((name) => readFileSync(join(logs, name), "utf8").trim())
    : [];
  return {
    id,
    pipeline: pipeline ?? "?",
    startedAt: Number.isNaN(startedAt) ? 0 : startedAt,
    // A run that has just begun may not have written its pid yet.
    live: isRunLive(dir) || (!state && !existsSync(join(dir, PID_FILE_OF_RUN)) && Date.now() - startedAt < 60_000),
    pinned: existsSync(join(dir, PIN_FILE)),
    deployment: deployments.get(id) ?? null,
    logsFrom,
  };
}

/** Run id -> `newest revision 4 of deployment web`, for the runs that deployed a deployment's newest or stable revision. */
function deploymentRuns(projectDir: string): Map<string, string> {
  const runs = new Map<string, string>();
  for (const name of safe(() => listDeployments(projectDir), [])) {
    const revisions = safe(() => readRevisions(projectDir, name), []);
    const newest = revisions.reduce<(typeof revisions)[number] | undefined>((best, r) => (!best || r.revision > best.revision ? r : best), undefined);
    const stable = stableRevision(revisions);
    if (stable?.runId) runs.set(stable.runId, `stable revision ${stable.revision} of deployment ${name}`);
    if (newest?.runId) runs.set(newest.runId, `newest revision ${newest.revision} of deployment ${name}`);
  }
  return runs;
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function removeRunDir(projectDir: string, id: string): void {
  const trash = join(projectDir, RUNS_DIR, "..", "trash");
  mkdirSync(trash, { recursive: true });
  const target = join(trash, `${id}-${randomBytes(4).toString("hex")}`);
  renameSync(runDir(projectDir, id), target);
  rmSync(target, { recursive: true, force: true });
}
