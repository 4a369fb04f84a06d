/**
 * One engine, three front doors: every strategy compiles to a list of stages.
 *
 *   canary     per plan step: setWeight → [scale, weight], pause, analysis, approval;
 *              then (Promoting) scale to replicas, weight 100, complete
 *   blueGreen  scale to previewReplicas, pre-promotion analysis, pause (autoPromote off / after),
 *              (Promoting) scale to replicas, weight 100 (the switch), post-promotion analysis, complete
 *   rolling    roll (maxSurge / maxUnavailable batches, weights following available instances), complete
 *   first deploy (no stable version): scale to replicas, weight 100, complete: no steps, no analysis
 */
import type { Analysis, Deployment } from "../../plan/schema.ts";

export type Stage = (
  | { readonly kind: "scale"; readonly replicas: number }
  | { readonly kind: "weight"; readonly canary: number }
  | { readonly kind: "pause"; readonly durationMs: number | null }
  | { readonly kind: "approval"; readonly gate: string; readonly timeoutMs: number | null; readonly onTimeout: "abort" | "promote" }
  | { readonly kind: "analysis"; readonly analysis: Analysis; readonly label: "analysis" | "pre-promotion analysis" | "post-promotion analysis" }
  | { readonly kind: "roll" }
  | { readonly kind: "complete" }
) & {
  /** The plan step it comes from (canary), else null. */
  readonly stepIndex: number | null;
  /** Part of the final promotion: the phase reads Promoting. */
  readonly promoting: boolean;
};

export function buildProgram(deployment: Deployment, hasStable: boolean): Stage[] {
  const { replicas } = deployment;
  const generated = { stepIndex: null, promoting: true } as const;
  const finish: Stage[] = [{ kind: "scale", replicas, ...generated }, { kind: "weight", canary: 100, ...generated }, { kind: "complete", ...generated }];
  if (!hasStable) return finish;
  switch (deployment.strategy) {
    case "canary":
      return [...deployment.steps.flatMap((step, stepIndex) => canaryStages(step, stepIndex, replicas)), ...finish];
    case "blueGreen": {
      const early = { stepIndex: null, promoting: false } as const;
      const stages: Stage[] = [{ kind: "scale", replicas: Math.min(deployment.previewReplicas ?? replicas, replicas), ...early }];
      if (deployment.prePromotionAnalysis !== null) stages.push({ kind: "analysis", analysis: deployment.prePromotionAnalysis, label: "pre-promotion analysis", ...early });
      if (!deployment.autoPromote) stages.push({ kind: "pause", durationMs: null, ...early });
      else if (deployment.autoPromoteAfterMs !== null) stages.push({ kind: "pause", durationMs: deployment.autoPromoteAfterMs, ...early });
      stages.push({ kind: "scale", replicas, ...generated }, { kind: "weight", canary: 100, ...generated });
      if (deployment.postPromotionAnalysis !== null) stages.push({ kind: "analysis", analysis: deployment.postPromotionAnalysis, label: "post-promotion analysis", ...generated });
      stages.push({ kind: "complete", ...generated });
      return stages;
    }
    case "rolling":
      return [{ kind: "roll", stepIndex: null, promoting: false }, { kind: "complete", ...generated }];
  }
}

type CanaryStep = Extract<Deployment, { strategy: "canary" }>["steps"][number];

function canaryStages(step: CanaryStep, stepIndex: number, replicas: number): Stage[] {
  const at = { stepIndex, promoting: false } as const;
  switch (step.kind) {
    case "setWeight": {
      const weight: Stage = { kind: "weight", canary: step.weight, ...at };
      // Argo with a router: the canary gets ceil(weight × replicas) instances, at least one, before any traffic.
      return step.weight > 0 ? [{ kind: "scale", replicas: Math.max(1, Math.ceil((step.weight * replicas) / 100)), ...at }, weight] : [weight];
    }
    case "pause":
      return [{ kind: "pause", durationMs: step.durationMs, ...at }];
    case "analysis":
      return [{ kind: "analysis", analysis: step.analysis, label: "analysis", ...at }];
    case "approval":
      return [{ kind: "approval", gate: step.name, timeoutMs: step.timeoutMs, onTimeout: step.onTimeout, ...at }];
  }
}

/** The background analysis (canary, rolling), which runs from the start until promotion; none on a first deploy. */
export function backgroundAnalysis(deployment: Deployment, hasStable: boolean): Analysis | null {
  if (!hasStable || deployment.strategy === "blueGreen") return null;
  return deployment.analysis;
}
