/** `pipec runs rm RUN...`, `pipec runs gc [--keep N] [--max-age 30d] [--dry-run]` and `pipec runs pin RUN [--off]`. */
import { existsSync } from "node:fs";
import { defaultStoreRoot, formatBytes } from "../../runtime/artifacts/index.ts";
import { parseDuration } from "../../runtime/plan/duration.ts";
import { DEFAULT_KEEP_RUNS, pinRun, pruneRuns, type PruneReport, type RunPolicy } from "../../runtime/retention/index.ts";
import { listRunIds, runDir } from "../../runtime/run/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";

export interface RunsGcFlags {
  readonly keep?: string;
  readonly maxAge?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

export async function runsRmCommand(runs: readonly string[], flags: { dryRun?: boolean; json?: boolean }, terminal: Terminal): Promise<number> {
  const root = currentProjectRoot();
  const ids: string[] = [];
  for (const run of runs) {
    const id = resolveRun(root, run);
    if (id === null) {
      terminal.err(`pipec runs rm: no run ${run} in .pipec/runs (see pipec runs)\n`);
      return EXIT.invalidInput;
    }
    ids.push(id);
  }
  const report = await pruneRuns({ projectDir: root, storeDir: defaultStoreRoot(root), policy: { only: ids }, dryRun: flags.dryRun ?? false });
  render(report, flags.json ?? false, terminal);
  // A run that was asked for by name and kept says why, and the command fails.
  return report.protected.length > 0 ? EXIT.failed : EXIT.ok;
}

export async function runsGcCommand(flags: RunsGcFlags, terminal: Terminal): Promise<number> {
  const policy: { keep?: number; maxAgeMs?: number } = {};
  if (flags.keep !== undefined) {
    if (!/^\d+$/.test(flags.keep) || Number(flags.keep) < 1) {
      terminal.err(`pipec runs gc: --keep ${flags.keep}: expected a whole number of at least 1, e.g. --keep 20\n`);
      return EXIT.invalidInput;
    }
    policy.keep = Number(flags.keep);
  }
  if (flags.maxAge !== undefined) {
    const ms = parseDuration(flags.maxAge);
    if (ms === undefined || ms <= 0) {
      terminal.err(`pipec runs gc: --max-age ${flags.maxAge}: expected a duration like 30d, 12h or 90m\n`);
      return EXIT.invalidInput;
    }
    policy.maxAgeMs = ms;
  }
  if (policy.keep === undefined && policy.maxAgeMs === undefined) policy.keep = DEFAULT_KEEP_RUNS;
  const root = currentProjectRoot();
  const report = await pruneRuns({ projectDir: root, storeDir: defaultStoreRoot(root), policy: policy as RunPolicy, dryRun: flags.dryRun ?? false });
  render(report, flags.json ?? false, terminal);
  return EXIT.ok;
}

export function runsPinCommand(run: string, flags: { off?: boolean }, terminal: Terminal): number {
  const root = currentProjectRoot();
  const id = resolveRun(root, run);
  if (id === null) {
    terminal.err(`pipec runs pin: no run ${run} in .pipec/runs (see pipec runs)\n`);
    return EXIT.invalidInput;
  }
  pinRun(root, id, !flags.off);
  terminal.out(`${flags.off ? "unpinned" : "pinned"} run ${id}${flags.off ? "" : ": retention never removes it"}\n`);
  return EXIT.ok;
}

/** A run id (one folder name) or `last`; null when there is no such run. */
function resolveRun(root: string, run: string): string | null {
  const id = run === "last" ? listRunIds(root)[0] : run;
  if (!id || !/^[\w.-]+$/.test(id) || id === "." || id === ".." || !existsSync(runDir(root, id))) return null;
  return id;
}

function render(report: PruneReport, json: boolean, terminal: Terminal): void {
  if (json) {
    terminal.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const verb = report.dryRun ? "would remove" : "removed";
  for (const run of report.removed) terminal.out(`${verb} run ${run.id}: ${run.reason}\n`);
  for (const run of report.protected) terminal.err(`kept run ${run.id}: ${run.reason}\n`);
  const store = report.store;
  const freed = store ? `; the store freed ${formatBytes(store.freedBytes)} (${store.deleted.length} artifact(s), ${store.orphanObjects} object(s))` : "";
  const skipped = store?.objectsSkipped ? `; ${store.objectsSkipped}` : "";
  terminal.out(`${report.removed.length === 0 ? "no run to remove" : `${verb} ${report.removed.length} run(s)`}${freed}${skipped}\n`);
}
