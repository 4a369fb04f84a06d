/**
 * The stable revision at the start of a deployment. Nothing outlives the pipec process that deployed
 * it, so the revision that last became healthy is started again (same image or command, same env)
 * and put behind the router at 100 % before the engine shifts traffic from it.
 */
import type { Deployment } from "../../plan/schema.ts";
import type { TargetSpec } from "./resolve-target.ts";
import type { DeploymentSession } from "./session.ts";

/** `image pipec-test/node-app:1` or `node server.js`, with the env names (never values). */
export function describeTarget(spec: TargetSpec): string {
  const what = spec.target.kind === "docker" ? `image ${spec.target.image}${spec.target.command === null ? "" : ` ${spec.target.command.join(" ")}`}` : spec.target.command.join(" ");
  const env = Object.keys(spec.env);
  return env.length === 0 ? what : `${what}, env ${env.sort().join(" ")}`;
}

/**
 * Starts `replicas` stable instances and routes everything to them; resolves once all are ready
 * (true), or, at the progress deadline, whether any is (the engine takes it from there). False at
 * once when every instance failed or the job's signal fired.
 */
export async function waitForStable(session: DeploymentSession, deployment: Deployment, signal: AbortSignal): Promise<boolean> {
  await session.startStable(deployment.replicas);
  const deadline = Date.now() + deployment.progressDeadlineMs;
  for (;;) {
    const members = session.snapshot().members.filter((m) => m.role === "stable");
    const ready = members.filter((m) => m.health === "ready").length;
    if (ready >= deployment.replicas) return true;
    if (signal.aborted) return false;
    if (members.every((m) => m.health === "failed")) return false;
    if (Date.now() >= deadline) return ready > 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Undo (`rollbackWindow` semantics): the same deployment without pauses, approvals or analyses. */
export function withoutStepsAndAnalysis(deployment: Deployment): Deployment {
  switch (deployment.strategy) {
    case "canary":
      return { ...deployment, steps: [], analysis: null };
    case "blueGreen":
      return { ...deployment, autoPromote: true, autoPromoteAfterMs: null, prePromotionAnalysis: null, postPromotionAnalysis: null };
    case "rolling":
      return { ...deployment, analysis: null };
  }
}
