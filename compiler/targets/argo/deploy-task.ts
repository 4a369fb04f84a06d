/**
 * A deployment job's part of the Workflow: a DAG template that applies the Services and the
 * AnalysisTemplates, then the Rollout, and waits until the Rollout is Healthy (fails when Degraded).
 * Approvals are indefinite pauses of the Rollout: the task keeps waiting until someone runs
 * `kubectl argo rollouts promote <name>`.
 */
import type { Job } from "../../../runtime/plan/schema.ts";
import type { TargetDiagnostics, Where } from "../common/diagnostics.ts";
import { printYaml } from "../common/yaml-printer.ts";
import { seconds } from "./durations.ts";
import type { DeployDocuments } from "./rollout.ts";

type Doc = Record<string, unknown>;

export function deployTemplates(engineId: string, job: Job, docs: DeployDocuments, diagnostics: TargetDiagnostics, where: Where): { entry: string; templates: Doc[] } {
  const entry = `deploy-${engineId}`;
  if (job.inputs.length > 0) diagnostics.unsupported(where, "deploy inputs", "a deployment job on Argo applies documents; it has no workspace to unpack inputs into", "build and push an image in an earlier job, and deploy that image");
  if (job.retry.max > 0) diagnostics.approximated(where, "deploy retry", "a deployment is not retried on Argo: the Rollout itself retries and aborts", "drop retry from the deployment job");
  const templates: Doc[] = [];
  const tasks: Doc[] = [];
  const apply = (kind: string, doc: Doc) => {
    const name = `${kind}-${(doc.metadata as { name: string }).name}`;
    templates.push({ name: `${entry}-${name}`, resource: { action: "apply", manifest: printYaml(doc) } });
    tasks.push({ name, template: `${entry}-${name}` });
    return name;
  };
  const before = [...docs.services.map((doc) => apply("service", doc)), ...docs.analysisTemplates.map((doc) => apply("analysis", doc))];
  templates.push({
    name: `${entry}-rollout`,
    activeDeadlineSeconds: seconds(job.timeoutMs),
    resource: { action: "apply", manifest: printYaml(docs.rollout), successCondition: "status.phase == Healthy", failureCondition: "status.phase == Degraded" },
  });
  tasks.push({ name: "rollout", template: `${entry}-rollout`, ...(before.length === 0 ? {} : { depends: before.map((name) => `${name}.Succeeded`).join(" && ") }) });
  return { entry, templates: [{ name: entry, dag: { tasks } }, ...templates] };
}
