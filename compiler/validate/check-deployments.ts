/**
 * Deployment rules the schema cannot express (deploy-strategies.md section 8): metrics need a
 * threshold or a condition (no silent pass), repeated measurements need an interval, rolling keeps
 * capacity, approvals are named uniquely, routers do not share a listen address.
 */
import { parseExpression } from "../../runtime/plan/expression/index.ts";
import { formatDuration } from "../../runtime/plan/duration.ts";
import { DEFAULT_ROUTER_METRIC_INTERVAL_MS, type Analysis, type Job } from "../../runtime/plan/schema.ts";
import { error, warning, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";

export function checkDeployments(jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const listens = new Map<string, string>();
  for (const [id, job] of Object.entries(jobs)) {
    const deploy = job.deploy;
    if (!deploy) continue;
    const at = (...path: PlanPath) => draft.locate(["jobs", id, "deploy", ...path]);
    // Named by `field` (the author's words for it), found at `path`.
    const fail = (message: string, path: PlanPath, hint?: string, field: PlanPath = path) =>
      diagnostics.push(error("invalid-deployment", `${labelOf(draft, ["jobs", id, "deploy", ...field])}: ${message}`, at(...path), hint));

    for (const address of [deploy.router.listen, deploy.router.previewListen]) {
      if (!address) continue;
      const other = listens.get(address);
      if (other) diagnostics.push(warning("invalid-deployment", `deployments "${other}" and "${id}" both listen on ${address}; they cannot run at the same time`, at("router"), "give each deployment its own router.listen port"));
      else listens.set(address, id);
    }
    const analyses: [Analysis, PlanPath][] = [];
    if (deploy.strategy === "canary") {
      if (deploy.analysis) analyses.push([deploy.analysis, ["analysis"]]);
      const approvals = new Set<string>();
      deploy.steps.forEach((step, index) => {
        if (step.kind === "analysis") analyses.push([step.analysis, ["steps", index, "analysis"]]);
        if (step.kind === "approval") {
          if (approvals.has(step.name)) fail(`two approval steps are named "${step.name}"`, ["steps", index], "name each approval: { approval: { name: \"qa\" } }", ["steps", index, "name"]);
          approvals.add(step.name);
        }
      });
    }
    if (deploy.strategy === "blueGreen") {
      if (deploy.prePromotionAnalysis) analyses.push([deploy.prePromotionAnalysis, ["prePromotionAnalysis"]]);
      if (deploy.postPromotionAnalysis) analyses.push([deploy.postPromotionAnalysis, ["postPromotionAnalysis"]]);
    }
    if (deploy.strategy === "rolling") {
      if (deploy.analysis) analyses.push([deploy.analysis, ["analysis"]]);
      const zero = (v: number | string) => v === 0 || v === "0%";
      if (zero(deploy.maxSurge) && zero(deploy.maxUnavailable)) fail("maxSurge and maxUnavailable cannot both be 0: the rollout could never make progress", ["maxSurge"], "allow at least one extra or one missing instance", []);
      for (const field of ["maxSurge", "maxUnavailable"] as const) {
        const value = deploy[field];
        if (typeof value === "string" && Number.parseInt(value, 10) > 100) fail(`${value} is over 100%`, [field]);
      }
    }
    for (const [analysis, path] of analyses) {
      analysis.metrics.forEach((metric, index) => {
        const where: PlanPath = [...path, "metrics", index];
        if (!metric.threshold && !metric.successCondition && !metric.failureCondition) {
          fail(`metric "${metric.name}" has no threshold or condition, so it could never fail`, where, "add threshold: { max: 0.01 } or successCondition: \"result >= 0.99\"");
        }
        if (metric.threshold && metric.threshold.min === null && metric.threshold.max === null) fail(`metric "${metric.name}" threshold sets neither min nor max`, where);
        if (metric.count !== null && metric.count > 1 && metric.intervalMs === null) fail(`metric "${metric.name}" measures ${metric.count} times but has no interval`, where, "add interval: \"30s\"");
        const firstAt = metric.initialDelayMs + (metric.intervalMs ?? (metric.provider.kind === "builtin" ? DEFAULT_ROUTER_METRIC_INTERVAL_MS : 0));
        if (firstAt >= deploy.progressDeadlineMs) {
          diagnostics.push(
            warning(
              "invalid-deployment",
              `${labelOf(draft, ["jobs", id, "deploy", ...where])}: metric "${metric.name}" is first measured ${formatDuration(firstAt)} after its analysis starts, not before the progress deadline (${formatDuration(deploy.progressDeadlineMs)}): the rollout would be rolled back first`,
              at(...where),
              "make the interval shorter than progressDeadline, or progressDeadline longer",
            ),
          );
        }
        if (metric.provider.kind !== "builtin" && metric.minRequests !== 20) fail(`metric "${metric.name}": applies only to builtin router metrics`, where, undefined, [...where, "minRequests"]);
        for (const field of ["successCondition", "failureCondition"] as const) {
          const text = metric[field];
          const parsed = text === null ? null : parseExpression(text);
          if (parsed && !parsed.ok) fail(`${parsed.message} at character ${parsed.offset + 1} of ${JSON.stringify(text)}`, where, undefined, [...where, field]);
        }
      });
    }
  }
  return diagnostics;
}
