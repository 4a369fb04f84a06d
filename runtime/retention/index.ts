/** Run retention: which runs `pipec runs rm` / `gc` and the end-of-run default remove, and removing them with their artifacts. */
export { DEFAULT_KEEP_RUNS, planRunRetention, type RunFacts, type RunPolicy, type RunRetentionPlan } from "./plan-run-retention.ts";
export { pinRun, pruneRuns, PIN_FILE, type PruneOptions, type PruneReport } from "./prune-runs.ts";
