/**
 * The Argo emitter: a pure function of the canonical plan and the profile to a folder of Kubernetes
 * documents. `workflow.yaml` holds a Workflow (or WorkflowTemplate) whose DAG tasks are the plan's
 * jobs; each deployment job adds `deploy-<name>.yaml` (its Services, AnalysisTemplates and Rollout),
 * which the Workflow's deploy task applies, then waits for the Rollout to be Healthy. Jobs with
 * `network: none` are fenced by `network-policy.yaml`. Every field it cannot carry is a diagnostic.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";
import { jobWhere, TargetDiagnostics } from "../common/diagnostics.ts";
import { argoName, engineIds } from "../common/names.ts";
import { artifactName } from "../common/pack.ts";
import { checkNotify, checkVarsShadowingEnv } from "../common/shared-checks.ts";
import type { EmitOptions, EmitResult, EmittedFile, TargetProfile } from "../types.ts";
import { argoCondition } from "./condition.ts";
import { deployTemplates } from "./deploy-task.ts";
import { printDocuments } from "./documents.ts";
import { duration, seconds } from "./durations.ts";
import { formatDuration } from "../../../runtime/plan/duration.ts";
import { jobTemplate, NETWORK_LABEL } from "./job-template.ts";
import { networkPolicy } from "./network-policy.ts";
import { workflowParameters } from "./parameters.ts";
import { deployDocuments, kubernetesName } from "./rollout.ts";

type Doc = Record<string, unknown>;

export const ENTRY = "pipeline";

export function emitArgo(plan: Plan, options: EmitOptions): EmitResult {
  const profile = options.profile.argo;
  const diagnostics = new TargetDiagnostics("argo");
  checkVarsShadowingEnv(plan, diagnostics);
  checkNotify(plan, diagnostics);
  checkTriggers(plan, diagnostics);
  const ids = engineIds(plan, argoName, diagnostics);
  const header = { version: options.pipecVersion, digest: plan.digest ?? "" };
  const tasks: Doc[] = [];
  const templates: Doc[] = [];
  const deployFiles: EmittedFile[] = [];
  const deployNames = new Map<string, string>();
  let fenced = false;
  for (const [id, engineId] of ids) {
    const job = plan.jobs[id]!;
    const where = jobWhere(plan, id);
    const scope = { plan, jobId: id, ids, where, diagnostics };
    const { depends, when } = argoCondition(scope);
    if (job.allowFailure) {
      diagnostics.approximated(where, "allowFailure", "when it fails and no job after it runs, Argo marks the Workflow Failed (a DAG's phase follows its last tasks); pipec's run does not fail", "give it a job that runs after it with always(), or accept the Workflow's phase");
    }
    let template: string;
    if (job.deploy !== null) {
      const name = kubernetesName(job.deploy.name);
      const other = deployNames.get(name);
      if (other !== undefined) diagnostics.collision(where, `deployments of jobs "${other}" and "${id}" both become Rollout "${name}"`, "rename one deployment; Kubernetes names are lower-case letters, digits and '-'");
      deployNames.set(name, id);
      const docs = deployDocuments(plan, id, profile, diagnostics);
      const made = deployTemplates(engineId, job, docs, diagnostics, where);
      templates.push(...made.templates);
      template = made.entry;
      deployFiles.push({ path: `deploy-${name}.yaml`, content: printDocuments([...docs.services, ...docs.analysisTemplates, docs.rollout], "argo", header) });
    } else {
      template = `job-${engineId}`;
      templates.push({ ...jobTemplate(plan, id, ids, profile, diagnostics), name: template });
      if (job.network === "none") {
        fenced = true;
        diagnostics.approximated(where, "network none", `a NetworkPolicy (network-policy.yaml) denies the pod's traffic but DNS${profile.egress.length === 0 ? "" : ` and ${profile.egress.join(", ")}`}: it needs a CNI that enforces policies, and it fences the whole pod, so the checkout and the artifact upload need their addresses in argo.egress`, "list the git host and artifact repository in argo.egress, or set network: host");
      }
    }
    const gate = approvalTask(plan, id, engineId, new Set(ids.values()), diagnostics);
    if (gate !== null) {
      templates.push(gate.template);
      tasks.push({ ...gate.task, ...(depends === null ? {} : { depends }), ...(when === null ? {} : { when }) });
    }
    // An optional argument that does not resolve (the producer made no such artifact, failed or was skipped) is left out.
    const from = job.inputs.map((input) => ({ name: artifactName(ids.get(input.job) ?? input.job, input.output), from: `{{tasks.${ids.get(input.job) ?? input.job}.outputs.artifacts.${input.output}}}`, ...(input.optional ? { optional: true } : {}) }));
    tasks.push({
      name: engineId,
      template,
      // A manual job's own condition decides its approval task; the job follows the approval.
      ...(gate !== null ? { depends: `${gate.task.name}.Succeeded` } : depends === null ? {} : { depends }),
      ...(gate !== null || when === null ? {} : { when }),
      ...(from.length === 0 ? {} : { arguments: { artifacts: from } }),
    });
  }
  checkProfile(plan, profile, diagnostics);
  if (diagnostics.failed) return { files: [], diagnostics: diagnostics.list };
  const workflow: Doc = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: profile.kind,
    metadata: {
      ...(profile.kind === "Workflow" ? { generateName: `${kubernetesName(plan.name)}-` } : { name: kubernetesName(plan.name) }),
      ...(profile.namespace === null ? {} : { namespace: profile.namespace }),
      labels: { "pipec.dev/pipeline": kubernetesName(plan.name) },
    },
    spec: {
      entrypoint: ENTRY,
      ...(profile.serviceAccount === null ? {} : { serviceAccountName: profile.serviceAccount }),
      arguments: { parameters: workflowParameters(plan) },
      ...(plan.timeoutMs === null ? {} : { activeDeadlineSeconds: seconds(plan.timeoutMs) }),
      ...(profile.artifactRepositoryRef === null ? {} : { artifactRepositoryRef: profile.artifactRepositoryRef }),
      // failFast off: a failure must not stop always() and failure() jobs from being considered.
      templates: [{ name: ENTRY, dag: { failFast: false, tasks } }, ...templates],
    },
  };
  const files: EmittedFile[] = [{ path: "workflow.yaml", content: printDocuments([workflow], "argo", header) }];
  const schedule = plan.triggers?.schedule ?? [];
  if (schedule.length > 0) {
    const { generateName: _unused, ...metadata } = workflow.metadata as Doc;
    const cron: Doc = { apiVersion: "argoproj.io/v1alpha1", kind: "CronWorkflow", metadata: { ...metadata, name: kubernetesName(plan.name) }, spec: { schedules: [...schedule], timezone: "UTC", workflowSpec: workflow.spec } };
    files.push({ path: "cronworkflow.yaml", content: printDocuments([cron], "argo", header) });
  }
  if (fenced) files.push({ path: "network-policy.yaml", content: printDocuments([networkPolicy(plan, profile, NETWORK_LABEL)], "argo", header) });
  files.push(...deployFiles.sort((a, b) => (a.path < b.path ? -1 : 1)));
  return { files, diagnostics: diagnostics.list };
}

/**
 * A manual job's approval as a suspend task before it: `argo resume` releases it. A timeout with
 * onTimeout promote is the suspend's duration (Argo resumes by itself then); abort cannot be said.
 */
function approvalTask(plan: Plan, id: string, engineId: string, taken: ReadonlySet<string>, diagnostics: TargetDiagnostics): { task: Doc; template: Doc } | null {
  const approval = plan.jobs[id]!.approval;
  if (approval === null) return null;
  const where = jobWhere(plan, id);
  const name = `approve-${engineId}`;
  if (taken.has(name)) diagnostics.collision(where, `the approval task of job "${id}" and a job both become task "${name}"`, "rename the job");
  const resumes = approval.timeoutMs !== null && approval.onTimeout === "promote";
  if (approval.timeoutMs !== null && !resumes) {
    diagnostics.approximated(where, "approval timeout", `a suspended task waits until resumed: Argo resumes at a duration, it cannot fail there (onTimeout: abort after ${formatDuration(approval.timeoutMs)} is not kept)`, "use onTimeout: promote, or drop the timeout");
  }
  return { task: { name, template: name }, template: { name, suspend: resumes ? { duration: duration(approval.timeoutMs!) } : {} } };
}

/** Argo runs a schedule (cronworkflow.yaml); pushes, pull requests and tags reach it only through something that submits the Workflow. */
function checkTriggers(plan: Plan, diagnostics: TargetDiagnostics): void {
  const on = plan.triggers;
  if (on === null) return;
  const events = [on.push === null ? null : "push", on.pullRequest === null ? null : "pullRequest", on.tag.length === 0 ? null : "tag"].filter((e): e is string => e !== null);
  if (events.length === 0) return;
  diagnostics.approximated({ job: null, location: plan.source }, `on.${events.join(", on.")}`, "Argo Workflows has no git triggers: nothing in these files starts the Workflow on a push, a pull request or a tag", "submit it from the git host's webhook (Argo Events sensor, or argo submit in the host's CI)");
}

/** What the cluster must provide for this plan, named in the profile. */
function checkProfile(plan: Plan, profile: TargetProfile["argo"], diagnostics: TargetDiagnostics): void {
  const producers = Object.keys(plan.jobs).filter((id) => Object.keys(plan.jobs[id]!.outputs).length > 0);
  if (producers.length > 0 && profile.artifactRepositoryRef === null) {
    for (const id of producers) diagnostics.unsupported(jobWhere(plan, id), "outputs", "outputs travel through an artifact repository (S3, GCS, MinIO...), and the profile names none", "set argo.artifactRepositoryRef = { configMap, key } in the target profile");
  }
}
