/**
 * Which runs retention removes, and why: a pure function of the runs, the policy and the time.
 *
 * Never removed, whatever the policy: a live run (its process is running it), a pinned run
 * (`pipec runs pin`), a run that deployed the newest or the stable revision of a deployment, and a run
 * whose job logs a kept run shows for its cache hits (`pipec logs` of a cached job prints them).
 * Removed: runs beyond the newest `keep` of their pipeline, runs older than `maxAgeMs`, and the runs
 * named by `pipec runs rm` (`only`), each unless protected.
 */
import { formatAge } from "../artifacts/index.ts";

export interface RunPolicy {
  /** Keep the newest N runs of each pipeline. */
  readonly keep?: number;
  /** Remove runs that started longer ago than this. */
  readonly maxAgeMs?: number;
  /** Remove these runs (and no others). */
  readonly only?: readonly string[];
}

/** The default applied at the end of each `pipec run` and by `pipec runs gc` without flags. */
export const DEFAULT_KEEP_RUNS = 50;

export interface RunFacts {
  readonly id: string;
  readonly pipeline: string;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly live: boolean;
  readonly pinned: boolean;
  /** e.g. `newest revision 4 of deployment web`, or null. */
  readonly deployment: string | null;
  /** Runs whose logs this run shows for its cached jobs. */
  readonly logsFrom: readonly string[];
}

export interface RunRetentionPlan {
  readonly remove: readonly { readonly id: string; readonly reason: string }[];
  readonly protected: readonly { readonly id: string; readonly reason: string }[];
}

export function planRunRetention(runs: readonly RunFacts[], policy: RunPolicy, now: number): RunRetentionPlan {
  const wanted = new Map<string, string>();
  if (policy.only) {
    for (const id of policy.only) wanted.set(id, "removed by pipec runs rm");
  } else {
    const byPipeline = new Map<string, RunFacts[]>();
    for (const run of runs) byPipeline.set(run.pipeline, [...(byPipeline.get(run.pipeline) ?? []), run]);
    for (const [pipeline, list] of byPipeline) {
      const newestFirst = [...list].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
      newestFirst.forEach((run, index) => {
        if (policy.keep !== undefined && index >= policy.keep) wanted.set(run.id, `not among the last ${policy.keep} runs of pipeline ${pipeline}`);
        else if (policy.maxAgeMs !== undefined && now - run.startedAt > policy.maxAgeMs) wanted.set(run.id, `started ${formatAge(now - run.startedAt)} ago (max age ${formatAge(policy.maxAgeMs)})`);
      });
    }
  }
  const byId = new Map(runs.map((run) => [run.id, run]));
  const protection = new Map<string, string>();
  for (const run of runs) {
    const why = run.live ? "it is running" : run.pinned ? "it is pinned (pipec runs pin --off to unpin)" : run.deployment ? `it deployed the ${run.deployment}` : null;
    if (why) protection.set(run.id, why);
  }
  // Logs shown by kept runs: follow them until nothing new is kept.
  for (let changed = true; changed; ) {
    changed = false;
    for (const run of runs) {
      if (wanted.has(run.id) && !protection.has(run.id)) continue;
      for (const source of run.logsFrom) {
        if (byId.has(source) && wanted.has(source) && !protection.has(source)) {
          protection.set(source, `run ${run.id} shows its logs for cached jobs`);
          changed = true;
        }
      }
    }
  }
  const remove: { id: string; reason: string }[] = [];
  const kept: { id: string; reason: string }[] = [];
  for (const [id, reason] of wanted) {
    if (!byId.has(id)) continue;
    const why = protection.get(id);
    if (why) kept.push({ id, reason: `${why} (else: ${reason})` });
    else remove.push({ id, reason });
  }
  return { remove, protected: kept };
}
