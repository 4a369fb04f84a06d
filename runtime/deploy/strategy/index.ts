/**
 * Deployment strategies (canary, blue-green, rolling) as one pure state machine: observations and
 * time in, actions out. See README.md for the loop that drives it and the semantics.
 */
export { advanceDeployment, startDeployment, type StartContext } from "./advance.ts";
export { buildProgram, type Stage } from "./program.ts";
export { resolveIntOrPercent, rollingBounds, rollingLimits } from "./rolling.ts";
export { WEIGHTS_RETRY_MS } from "./weights.ts";
export type {
  DeployAction,
  DeployObservation,
  DeployPhase,
  DeployResult,
  DeployState,
  DeployStepResult,
  InstanceFailure,
  PausedReason,
  Weights,
} from "./types.ts";
