/** The run loop's entry for a deploy job: the job's workspace and variables, then `runDeployment`. */
import { resolve } from "node:path";
import type { JobOutcome } from "../../executor/types.ts";
import { resolveJobEnvironment } from "../../run/job-env.ts";
import { systemEnv } from "../../run/system-env.ts";
import type { JobAttemptInput } from "../../run/job-attempt.ts";
import { runDeployment } from "./run-deployment.ts";

/** What a deployment job needs of a job attempt's input (the run loop passes the attempt's). */
export type DeployJobInput = Pick<
  JobAttemptInput,
  "plan" | "jobId" | "attempt" | "runId" | "masker" | "store" | "emit" | "git" | "overrides" | "secrets" | "workspace" | "signal"
>;

export async function runDeployJob(input: DeployJobInput): Promise<JobOutcome> {
  const { plan, jobId, masker } = input;
  const job = plan.jobs[jobId]!;
  const workspace = await input.workspace.forJob(jobId, input.attempt);
  // A deployment's processes, probes and metric commands run on the host.
  const system = systemEnv({ runId: input.runId, pipeline: plan.name, jobId, jobName: job.name, workspace, git: input.git, host: true });
  let env: Record<string, string>;
  try {
    env = { ...system, ...resolveJobEnvironment(plan, jobId, { overrides: input.overrides, secrets: input.secrets, system }).env };
  } catch (cause) {
    return { outcome: "failed", exitCode: 1, step: 0, message: masker.text((cause as Error).message) };
  }
  // A kept deployment (the default) is rolled out and served by its supervisor, after the run too.
  const run = job.deploy!.keep ? (await import("../supervisor/run-supervised.ts")).runSupervisedDeployment : runDeployment;
  return run({
    runId: input.runId,
    jobId,
    pipeline: plan.name,
    deployment: job.deploy!,
    // The store lives in <project>/.pipec/runs/<id>.
    projectDir: resolve(input.store.dir, "..", "..", ".."),
    workspace,
    env,
    secrets: input.secrets,
    engine: null,
    commit: input.git.sha === null ? null : { sha: input.git.sha, branch: input.git.branch, authoredAt: input.git.authorTime ?? null },
    emit: input.emit,
    signal: input.signal,
    mask: (text) => masker.text(text),
    appendLog: (text) => input.store.appendLog(jobId, text),
  });
}
