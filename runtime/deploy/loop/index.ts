/** The deployment loop: runs a deploy job for real (router, instances, health, engine), and `pipec deploy undo`. */
export { runDeployment, type DeploymentHandle, type RunDeploymentInput } from "./run-deployment.ts";
export type { DeploymentSnapshot, SnapshotMember, Verdict } from "./session.ts";
export { servingNames, stopAllServing, stopServing } from "./serving.ts";
export { UndoError, undoDeployment, type UndoInput, type UndoResult } from "./undo.ts";
export { deployLogPath } from "./reporter.ts";
export { StopError, stopDeployment, type StopInput, type StopResult } from "./stop-deployment.ts";
export { parseJsonPath, readJsonPath } from "./json-path.ts";
