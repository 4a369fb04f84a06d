/** Deployment history: revisions, the stable one, live status, and the per-name lock, under `.pipec/deployments/`. */
export { DeploymentBusyError, acquireDeploymentLock } from "./lock.ts";
export { DamagedJsonError } from "../../atomic-json.ts";
export { processAlive } from "../../process-alive.ts";
export { checkOwnership, ownerOf, type Owner, type OwnershipCheck } from "./ownership.ts";
export {
  DEPLOYMENTS_DIR,
  deploymentDir,
  listDeployments,
  nextRevisionNumber,
  previousRevision,
  servingProcessAlive,
  readDeliveryHistory,
  readRevisions,
  readStatus,
  saveRevision,
  stableRevision,
  writeStatus,
} from "./store.ts";
export { deploymentView, type DeploymentView, type InstanceView, type RevisionView } from "./view.ts";
export type { DeploymentStatus, InstanceStatusRecord, PastRevision, ResolvedTarget, Revision, RevisionCommit, RevisionKind, RevisionStatus, StoredEnvValue } from "./schema.ts";
