/**
 * Label keys pipec puts on every container it creates, so that a run's containers can be found and
 * removed (`removeByLabel`), even after a crash. Reverse-DNS keys, as Docker recommends.
 */
import { createHash } from "node:crypto";

export const LABEL_RUN_ID = "dev.pipec.run-id";
export const LABEL_JOB = "dev.pipec.job";
/** On a job's service containers: the service's name. */
export const LABEL_SERVICE = "dev.pipec.service";

/** The labels for one job's container in one run. */
export function containerLabels(ids: { readonly runId: string; readonly job: string }): Record<string, string> {
  return { [LABEL_JOB]: ids.job, [LABEL_RUN_ID]: ids.runId };
}

/** The labels that select every container of one run (for `removeByLabel`). */
export function runLabels(runId: string): Record<string, string> {
  return { [LABEL_RUN_ID]: runId };
}

/** The labels that select every container pipec created, whatever the run (for `removeByLabel`). */
export function allPipecLabels(): Record<string, null> {
  return { [LABEL_RUN_ID]: null };
}

/** On a deployment target's containers: the deployment's name. */
export const LABEL_DEPLOYMENT = "dev.pipec.deployment";
/** On a deployment target's containers: the version the instance runs. */
export const LABEL_VERSION = "dev.pipec.version";
/**
 * On a deployment target's containers: the project that deployed it (see `projectLabel`). Two
 * projects on one engine may both deploy "web"; each cleans up only its own.
 */
export const LABEL_PROJECT = "dev.pipec.project";

/** A project's label value: a digest of its root folder (no machine path on the engine). */
export function projectLabel(projectDir: string): string {
  return createHash("sha256").update(projectDir).digest("hex").slice(0, 16);
}

/** The labels for one instance of one version of a deployment. `project`: see `projectLabel`. */
export function deploymentLabels(ids: { readonly deployment: string; readonly version: string; readonly project: string }): Record<string, string> {
  return { [LABEL_DEPLOYMENT]: ids.deployment, [LABEL_VERSION]: ids.version, [LABEL_PROJECT]: ids.project };
}

/** The labels that select every container of one project's deployment, whatever the version (for `removeByLabel`). */
export function deploymentSelector(deployment: string, project: string): Record<string, string> {
  return { [LABEL_DEPLOYMENT]: deployment, [LABEL_PROJECT]: project };
}
