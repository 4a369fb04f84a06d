/**
 * Plan fields that GitHub Actions and GitLab CI both cannot carry, reported the same way for both.
 * Each check names the feature so the coverage table and the diagnostics say the same thing.
 */
import type { Job, Plan, Step } from "../../../runtime/plan/schema.ts";
import { formatDuration } from "../../../runtime/plan/duration.ts";
import { jobWhere, type TargetDiagnostics, type Where } from "./diagnostics.ts";

export function checkPlan(plan: Plan, diagnostics: TargetDiagnostics): void {
  if (plan.timeoutMs !== null) {
    diagnostics.approximated({ job: null, location: plan.source }, "timeout", `the pipeline timeout (${formatDuration(plan.timeoutMs)}) is not enforced: the engine has no whole-pipeline timeout; each job keeps its own`);
  }
  checkVarsShadowingEnv(plan, diagnostics);
  checkNotify(plan, diagnostics);
}

/** Notifications are sent by pipec run at a run's end; an engine's file has no place for them. */
export function checkNotify(plan: Plan, diagnostics: TargetDiagnostics): void {
  const engine = { github: "GitHub's own notifications (or a last job with if: always() that posts)", gitlab: "GitLab's integrations (Slack, webhooks) in the project's settings", argo: "an onExit handler of the Workflow that posts" }[diagnostics.target];
  plan.notify.forEach((notify) => {
    diagnostics.approximated({ job: null, location: plan.source }, "notify", `the notification to ${notify.webhook} on ${notify.on.join(", ")} is not sent: it is sent by pipec run only`, `use ${engine}`);
  });
}

/** A variable named like an env entry: pipec lets --var win, the engines' env wins there. */
export function checkVarsShadowingEnv(plan: Plan, diagnostics: TargetDiagnostics): void {
  const where = { job: null, location: plan.source };
  for (const name of Object.keys(plan.vars)) {
    if (Object.hasOwn(plan.env, name) || Object.values(plan.jobs).some((job) => Object.hasOwn(job.env, name))) {
      diagnostics.approximated(where, `vars.${name}`, `${name} is both a variable and an env name; pipec lets --var win over env, the engine lets env win`, "give the env entry another name");
    }
  }
}

/** True when the job is refused as a whole (a deployment). */
export function checkJob(plan: Plan, id: string, diagnostics: TargetDiagnostics): boolean {
  const job = plan.jobs[id]!;
  const where = jobWhere(plan, id);
  if (job.deploy !== null) {
    diagnostics.unsupported(
      where,
      `deploy.${job.deploy.strategy}`,
      `a ${job.deploy.strategy} deployment needs pipec's router and instances, which ${diagnostics.target === "github" ? "GitHub Actions" : "GitLab CI"} jobs do not have`,
      "deploy with --target argo (Argo Rollouts), or keep this pipeline on pipec run",
    );
    return true;
  }
  const { cpus, memoryBytes, pids } = job.resources;
  for (const [field, value] of [["cpus", cpus], ["memoryBytes", memoryBytes], ["pids", pids]] as const) {
    if (value !== null) diagnostics.approximated(where, `resources.${field}`, "not enforced: the runner decides a job's resources", "pick a larger runner in the target profile");
  }
  // There is no invoking user on a CI runner: "invoker" (the default) is whatever the runner does.
  const runnerUser = diagnostics.target === "github" ? "root" : "image";
  if (job.user !== "invoker" && job.user !== runnerUser) {
    diagnostics.approximated(where, `user ${job.user}`, `not enforced: the runner decides who steps run as`, "drop user, or set it in the image");
  }
  if (job.network === "none") {
    diagnostics.approximated(where, "network none", "not enforced: the job can reach the network", "set network: host to say the job may use the network");
  }
  if (job.reports !== null) {
    diagnostics.approximated(where, "reports", "the report files are not parsed: no test counts, failed tests or coverage in the engine's summary", "keep them as an output, or run the pipeline with pipec run to see them");
  }
  for (const gate of job.gates) {
    diagnostics.unsupported(where, `gate ${gate.metric}`, "quality gates are checked by pipec run only: the engine would pass the job whatever the measure", "check the threshold in a step (a script that exits 1), or run the pipeline with pipec run");
  }
  for (const step of job.steps) if (step.image !== null) diagnostics.unsupported(stepWhere(id, job, step), "step image", `step "${step.name}" runs in its own image (${step.image}); steps of one job share the job's container here`, "make it a job of its own with that image");
  return false;
}

export function stepWhere(id: string, job: Job, step: Step): Where {
  return { job: id, location: step.source ?? job.source };
}
