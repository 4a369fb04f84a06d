/**
 * Workflow parameters: the plan's vars (default and description, `argo submit -p X=...` is pipec's
 * `--var X=...`) and the git facts pipec reads from the checkout (`git-branch`, `git-sha`, `git-tag`),
 * which the submitter fills, as `argo submit -p git-sha=$(git rev-parse HEAD)`.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";

export const GIT_PARAMETERS = ["git-branch", "git-sha", "git-tag"] as const;

export function gitParameter(field: string): string {
  return `git-${field}`;
}

export function parameter(name: string): string {
  return `{{workflow.parameters.${name}}}`;
}

export function workflowParameters(plan: Plan): Record<string, unknown>[] {
  const vars = Object.entries(plan.vars).map(([name, v]) => ({ name, value: v.default ?? "", ...(v.description === null ? {} : { description: v.description }) }));
  const git = GIT_PARAMETERS.map((name) => ({ name, value: "", description: `pipec's ${name.replace("-", ".")}: pass it with argo submit -p ${name}=...` }));
  return [...vars, ...git];
}

/** The env pipec gives every job, as Argo placeholders. */
export function systemEnv(plan: Plan): Record<string, string> {
  return {
    CI: "true",
    PIPEC: "true",
    PIPEC_PIPELINE: plan.name,
    PIPEC_RUN_ID: "{{workflow.name}}",
    PIPEC_GIT_BRANCH: parameter("git-branch"),
    PIPEC_GIT_SHA: parameter("git-sha"),
    PIPEC_GIT_TAG: parameter("git-tag"),
    PIPEC_WORKSPACE: WORKSPACE,
  };
}

/** Where a job's checkout is, and its working directory. */
export const WORKSPACE = "/workspace";
