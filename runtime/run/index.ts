/** Running a plan on this machine. */
export { runPipeline, type RunOptions, type RunResult } from "./run-pipeline.ts";
export { RunEventSchema, type RunEvent } from "./events.ts";
export { CACHED_LOG_SUFFIX, listRunIds, readRunEvents, readRunPlan, readRunState, runDir, RunStoreError, RUNS_DIR, type RunState } from "./run-store.ts";
export { createMasker, MIN_SECRET_LENGTH, UnmaskableSecretError } from "./mask.ts";
export { readOrRecoverRunState } from "./recover-run-state.ts";
export { runProcessAlive } from "./reap-crashed-runs.ts";
export { MissingSecretsError } from "./missing-secrets.ts";
export { ChangeBaseError } from "./changed-files.ts";
export { checkTrigger, type CheckTriggerOptions } from "./check-trigger.ts";
export { matchTrigger, TRIGGER_EVENTS, type TriggerDecision, type TriggerEvent } from "./trigger-match.ts";
