/**
 * What the run loop asks of deployments. `runtime/run/` never imports `runtime/deploy/` (the
 * architecture's rule: the two never form a circle); the caller hands this in at start-up, and
 * `runtime/deploy/run-kind.ts` is the implementation `pipec run` passes (it loads the deployment code
 * only when a plan deploys or the project has deployments).
 */
import type { JobOutcome } from "../executor/types.ts";
import type { JobAttemptInput } from "./job-attempt.ts";

export interface ReapedDeployments {
  /** The deployments stopped. */
  readonly names: string[];
  /** Host processes and containers stopped. */
  readonly instances: number;
  /** What could not be stopped (the engine unreachable, ...), one line each. */
  readonly problems: string[];
}

export interface DeploymentKind {
  /** Runs one attempt of a deploy job (`job.deploy` set). */
  runJob(input: JobAttemptInput): Promise<JobOutcome>;
  /** Stops the deployments of the project left serving by a pipec process that ended hard. */
  reapOrphaned(projectDir: string): Promise<ReapedDeployments>;
}
