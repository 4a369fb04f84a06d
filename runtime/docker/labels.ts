/**
 * Label keys pipec puts on every container it creates, so that a run's containers can be found and
 * removed (`removeByLabel`), even after a crash. Reverse-DNS keys, as Docker recommends.
 */
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

/** The labels for one instance of one version of a deployment. */
export function deploymentLabels(ids: { readonly deployment: string; readonly version: string }): Record<string, string> {
  return { [LABEL_DEPLOYMENT]: ids.deployment, [LABEL_VERSION]: ids.version };
}

/** The labels that select every container of one deployment, whatever the version (for `removeByLabel`). */
export function deploymentSelector(deployment: string): Record<string, string> {
  return { [LABEL_DEPLOYMENT]: deployment };
}
