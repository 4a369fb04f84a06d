/** The system variables every job gets (runtime/plan/system-variables.ts lists the names templates may use). */
import type { Job, Plan } from "../plan/schema.ts";
import type { GitInfo } from "./git-info.ts";

export interface SystemEnvInput {
  readonly runId: string;
  readonly pipeline: string;
  readonly jobId: string;
  readonly jobName: string;
  /** The workspace as the job sees it: `/workspace` in a container, the host path for local jobs. */
  readonly workspace: string;
  readonly git: GitInfo;
  /** Local jobs also need the host's PATH, HOME and locale to find their tools. */
  readonly host: boolean;
}

const HOST_VARIABLES = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ"];

export function systemEnv(input: SystemEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    CI: "true",
    PIPEC: "true",
    PIPEC_RUN_ID: input.runId,
    PIPEC_PIPELINE: input.pipeline,
    PIPEC_JOB: input.jobId,
    PIPEC_JOB_NAME: input.jobName,
    PIPEC_WORKSPACE: input.workspace,
  };
  if (input.git.branch) env.PIPEC_GIT_BRANCH = input.git.branch;
  if (input.git.sha) env.PIPEC_GIT_SHA = input.git.sha;
  if (input.git.tag) env.PIPEC_GIT_TAG = input.git.tag;
  if (input.host) for (const name of HOST_VARIABLES) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

/** Whether the env templates a job sees (pipeline, job, steps, services) read `HOME` or `PATH`, which a container job takes from its image. */
export function readsImageVariables(plan: Plan, job: Job): boolean {
  return anyReadsImageVariables([plan.env, job.env, ...job.steps.map((step) => step.env), ...job.services.map((service) => service.env)]);
}

/** Whether a job's services see `HOME` or `PATH` in their env templates (their own, the job's or the pipeline's). */
export function servicesReadImageVariables(plan: Plan, job: Job): boolean {
  return job.services.length > 0 && anyReadsImageVariables([plan.env, job.env, ...job.services.map((service) => service.env)]);
}

function anyReadsImageVariables(templates: readonly Readonly<Record<string, unknown>>[]): boolean {
  return templates.some((env) => Object.values(env).some((value) => typeof value === "string" && IMAGE_VARIABLE_REFERENCE.test(value)));
}

const IMAGE_VARIABLE_REFERENCE = /\$\{(?:HOME|PATH)(?=[}:])/;
