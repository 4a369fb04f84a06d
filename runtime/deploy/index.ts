/**
 * Deployments: the loop that runs a deploy job (`runDeployment`), control from another terminal
 * (`sendControlRequest`), and the history under `.pipec/deployments/`. The pure engine, analysis,
 * routers, targets and health checks are entered through their own folders.
 */
export {
  deployLogPath,
  runDeployment,
  stopAllServing,
  stopDeployment,
  StopError,
  undoDeployment,
  UndoError,
  type DeploymentHandle,
  type DeploymentSnapshot,
  type RunDeploymentInput,
  type StopResult,
} from "./loop/index.ts";
export { ControlError, readWaiting, sendControlRequest, type ControlRequest, type SendControlResult } from "../run/control/index.ts";
export {
  deploymentView,
  listDeployments,
  processAlive,
  readRevisions,
  readStatus,
  stableRevision,
  type DeploymentStatus,
  type DeploymentView,
  type Revision,
} from "./history/index.ts";
