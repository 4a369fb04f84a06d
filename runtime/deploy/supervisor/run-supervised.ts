/**
 * A deploy job of `pipec run` whose deployment is kept (`keep: true`, the default): the rollout runs
 * in the deployment's supervisor, on its live router, and the job follows it (log lines, status
 * events, the outcome). The job's signal aborts the rollout; so does the run going away.
 */
import type { JobOutcome } from "../../executor/types.ts";
import type { RunDeploymentInput } from "../loop/run-deployment.ts";
import { ensureSupervisor, requestSupervisor } from "./client.ts";
import { SupervisorError } from "./errors.ts";

export async function runSupervisedDeployment(input: RunDeploymentInput): Promise<JobOutcome> {
  const name = input.deployment.name;
  const mask = input.mask ?? ((text: string) => text);
  const failed = (message: string): JobOutcome => ({ outcome: "failed", exitCode: 1, step: 0, message: mask(message) });
  try {
    await ensureSupervisor(input.projectDir, name);
  } catch (error) {
    if (error instanceof SupervisorError) return failed(error.message);
    throw error;
  }
  const reply = await requestSupervisor(
    input.projectDir,
    name,
    {
      type: "rollout",
      runId: input.runId,
      jobId: input.jobId,
      pipeline: input.pipeline,
      deployment: input.deployment,
      commit: input.commit ?? null,
      workspace: input.workspace,
      env: { ...input.env },
      secrets: { ...input.secrets },
    },
    { onLog: (text) => input.appendLog?.(mask(text)), onEvent: (event) => input.emit(event), signal: input.signal },
  );
  if (reply.type === "outcome") return reply.outcome;
  if (reply.type === "error") return failed(reply.message);
  return failed(`deployment "${name}": its supervisor answered ${reply.type} to a rollout`);
}
