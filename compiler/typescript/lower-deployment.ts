/** Lowers a DSL deployment (Argo-style shapes, durations as text) to the plan's tagged, millisecond form. */
import type { Analysis, CanaryStep, Deployment, HealthCheck, Metric } from "../../dsl/deploy.ts";
import type { DeploymentInput } from "../../runtime/plan/schema.ts";
import { compact, lowerDuration, lowerEnv, type Problems } from "./lower-values.ts";

export function lowerDeployment(deployment: Deployment, name: string, problems: Problems): DeploymentInput {
  const d = (value: Parameters<typeof lowerDuration>[0], field: string) => lowerDuration(value, `deploy.${field}`, problems);
  const target =
    deployment.target.kind === "docker"
      ? compact({ kind: "docker" as const, image: deployment.target.image, command: deployment.target.command ? [...deployment.target.command] : undefined, env: lowerEnv(deployment.target.env, "deploy.target.env", problems) })
      : compact({ kind: "process" as const, command: [...deployment.target.command], env: lowerEnv(deployment.target.env, "deploy.target.env", problems) });
  const common = compact({
    name,
    target,
    replicas: deployment.replicas,
    router: deployment.router ? compact({ ...deployment.router }) : undefined,
    healthCheck: deployment.healthCheck ? lowerHealthCheck(deployment.healthCheck, problems) : undefined,
    progressDeadlineMs: d(deployment.progressDeadline, "progressDeadline"),
    abortOnProgressDeadline: deployment.abortOnProgressDeadline,
    revisionHistoryLimit: deployment.revisionHistoryLimit,
    drainTimeoutMs: d(deployment.drainTimeout, "drainTimeout"),
    scaleDownDelayMs: d(deployment.scaleDownDelay, "scaleDownDelay"),
    abortScaleDownDelayMs: d(deployment.abortScaleDownDelay, "abortScaleDownDelay"),
    takeOver: deployment.takeOver,
    keep: deployment.keep,
  });
  const analysis = (a: Analysis | undefined, field: string) => (a ? lowerAnalysis(a, field, problems) : undefined);
  switch (deployment.strategy) {
    case "canary":
      return compact({
        strategy: "canary" as const,
        ...common,
        steps: deployment.steps?.map((step, index) => lowerCanaryStep(step, index, problems)),
        analysis: analysis(deployment.analysis, "analysis"),
        onInconclusive: deployment.onInconclusive,
      });
    case "blueGreen":
      return compact({
        strategy: "blueGreen" as const,
        ...common,
        previewReplicas: deployment.previewReplicas,
        autoPromote: deployment.autoPromote,
        autoPromoteAfterMs: d(deployment.autoPromoteAfter, "autoPromoteAfter"),
        prePromotionAnalysis: analysis(deployment.prePromotionAnalysis, "prePromotionAnalysis"),
        postPromotionAnalysis: analysis(deployment.postPromotionAnalysis, "postPromotionAnalysis"),
      });
    case "rolling":
      return compact({
        strategy: "rolling" as const,
        ...common,
        maxSurge: deployment.maxSurge,
        maxUnavailable: deployment.maxUnavailable,
        minReadyMs: d(deployment.minReady, "minReady"),
        analysis: analysis(deployment.analysis, "analysis"),
      });
  }
}

function lowerHealthCheck(check: HealthCheck, problems: Problems) {
  const d = (value: Parameters<typeof lowerDuration>[0], field: string) => lowerDuration(value, `deploy.healthCheck.${field}`, problems);
  return compact({
    http: check.http ? compact({ path: check.http.path, expectStatus: check.http.expectStatus ? ([...check.http.expectStatus] as [number, number]) : undefined }) : undefined,
    tcp: check.tcp,
    command: check.command ? [...check.command] : undefined,
    intervalMs: d(check.interval, "interval"),
    timeoutMs: d(check.timeout, "timeout"),
    initialDelayMs: d(check.initialDelay, "initialDelay"),
    failureThreshold: check.failureThreshold,
    successThreshold: check.successThreshold,
  });
}

function lowerCanaryStep(step: CanaryStep, index: number, problems: Problems) {
  if ("setWeight" in step) return { kind: "setWeight" as const, weight: step.setWeight };
  if ("pause" in step) return compact({ kind: "pause" as const, durationMs: lowerDuration(step.pause.duration, `deploy.steps[${index}].pause.duration`, problems) });
  if ("analysis" in step) return { kind: "analysis" as const, analysis: lowerAnalysis(step.analysis, `steps[${index}].analysis`, problems) };
  if ("approval" in step) {
    return compact({
      kind: "approval" as const,
      name: step.approval.name ?? `approval-${index + 1}`,
      timeoutMs: lowerDuration(step.approval.timeout, `deploy.steps[${index}].approval.timeout`, problems),
      onTimeout: step.approval.onTimeout,
    });
  }
  problems.push([`deploy.steps[${index}]`, `deploy.steps[${index}]: expected one of setWeight, pause, analysis, approval, got keys ${Object.keys(step as object).join(", ")}`]);
  return { kind: "pause" as const };
}

function lowerAnalysis(analysis: Analysis, field: string, problems: Problems) {
  return { metrics: analysis.metrics.map((metric, index) => lowerMetric(metric, `deploy.${field}.metrics[${index}]`, problems)) };
}

function lowerMetric(metric: Metric, field: string, problems: Problems) {
  const d = (value: Parameters<typeof lowerDuration>[0], name: string) => lowerDuration(value, `${field}.${name}`, problems);
  const p = metric.provider;
  const provider =
    "builtin" in p
      ? { kind: "builtin" as const, metric: p.builtin }
      : "http" in p
        ? compact({ kind: "http" as const, url: p.http.url, method: p.http.method, headers: p.http.headers ? { ...p.http.headers } : undefined, body: p.http.body, jsonPath: p.http.jsonPath, timeoutMs: d(p.http.timeout, "provider.http.timeout") })
        : compact({ kind: "command" as const, run: [...p.command.run], timeoutMs: d(p.command.timeout, "provider.command.timeout") });
  return compact({
    name: metric.name,
    provider,
    threshold: metric.threshold ? compact({ ...metric.threshold }) : undefined,
    successCondition: metric.successCondition,
    failureCondition: metric.failureCondition,
    intervalMs: d(metric.interval, "interval"),
    count: metric.count,
    initialDelayMs: d(metric.initialDelay, "initialDelay"),
    windowMs: d(metric.window, "window"),
    failureLimit: metric.failureLimit,
    inconclusiveLimit: metric.inconclusiveLimit,
    consecutiveErrorLimit: metric.consecutiveErrorLimit,
    minRequests: metric.minRequests,
    noData: metric.noData,
    dryRun: metric.dryRun,
  });
}
