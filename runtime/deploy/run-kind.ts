/**
 * The deployment job kind `pipec run` hands to the run loop (see runtime/run/deployments.ts). Kept
 * tiny: the deployment code loads only when a job deploys or the project has deployments to reap.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DeploymentKind } from "../run/deployments.ts";
import { DEPLOYMENTS_DIR } from "./history/layout.ts";

export const deploymentKind: DeploymentKind = {
  async runJob(input) {
    const { runDeployJob } = await import("./loop/run-deploy-job.ts");
    return runDeployJob(input);
  },
  async reapOrphaned(projectDir) {
    if (!existsSync(join(projectDir, DEPLOYMENTS_DIR))) return { names: [], instances: 0, problems: [] };
    const { reapOrphanedDeployments } = await import("./loop/reap-orphaned-deployments.ts");
    return reapOrphanedDeployments(projectDir);
  },
};
