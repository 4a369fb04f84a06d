/**
 * Rolling update (Kubernetes semantics): never more than replicas + maxSurge instances (starting and
 * stopping ones included), never fewer than replicas − maxUnavailable available (ready for minReady).
 * Before old instances stop, the weights move to the split that remains and the router confirms it.
 */
import type { Deployment } from "../../plan/schema.ts";
import { setStatus, type Draft } from "./draft.ts";
import { availableIds, describeAvailability, liveIds, startInstances, stopInstances, totalInstances } from "./instances.ts";
import { requestWeights } from "./weights.ts";

type Rolling = Extract<Deployment, { strategy: "rolling" }>;

/** An integer, or a percentage of replicas: surge rounds up, unavailable rounds down. */
export function resolveIntOrPercent(value: number | string, replicas: number, round: "up" | "down"): number {
  if (typeof value === "number") return value;
  const fraction = (replicas * Number.parseInt(value, 10)) / 100;
  return round === "up" ? Math.ceil(fraction) : Math.floor(fraction);
}

/** Both 0 cannot make progress (validation rejects it); a surge of 1 is used then. */
export function rollingBounds(deployment: Rolling): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = resolveIntOrPercent(deployment.maxSurge, deployment.replicas, "up");
  const maxUnavailable = Math.min(resolveIntOrPercent(deployment.maxUnavailable, deployment.replicas, "down"), deployment.replicas);
  return maxSurge === 0 && maxUnavailable === 0 ? { maxSurge: 1, maxUnavailable: 0 } : { maxSurge, maxUnavailable };
}

export function rollStage(d: Draft, deployment: Rolling): "done" | "waiting" {
  const { replicas, minReadyMs } = deployment;
  const { maxSurge, maxUnavailable } = rollingBounds(deployment);
  if (!d.s.instances.stable.reported) {
    setStatus(d, "Progressing", "rolling: waiting for a report of the stable version's instances");
    return "waiting";
  }
  const newAvailable = availableIds(d, "canary", minReadyMs).length;
  const oldAvailable = availableIds(d, "stable");
  const oldLive = liveIds(d, "stable");
  const stable = d.s.instances.stable;
  const oldUnready = stable.unready.filter((id) => !stable.stopping.includes(id));

  // Surge: more new instances, within replicas + maxSurge.
  const wantNew = replicas - (liveIds(d, "canary").length + d.s.instances.canary.starting);
  const room = replicas + maxSurge - totalInstances(d, "canary") - totalInstances(d, "stable");
  if (wantNew > 0 && room <= 0 && oldUnready.length > 0) {
    // Unready old instances serve nobody; removing them first is what unblocks the surge (Kubernetes does the same).
    stopInstances(d, "stable", oldUnready.slice(0, wantNew), "rolling update: unready old instance");
  }
  startInstances(d, "canary", Math.min(wantNew, room));

  // Scale down: as many old instances as availability allows; all of them once the new version is complete.
  const complete = newAvailable >= replicas;
  const removable = complete ? oldLive.length : Math.min(oldAvailable.length, newAvailable + oldAvailable.length - (replicas - maxUnavailable));
  if (removable > 0) {
    const victims = complete ? oldLive : oldAvailable.slice(0, removable);
    const oldLeft = complete ? 0 : oldAvailable.length - removable;
    const canary = newAvailable + oldLeft === 0 ? d.s.weights.desired.canary : Math.round((100 * newAvailable) / (newAvailable + oldLeft));
    if (requestWeights(d, { stable: 100 - canary, canary })) stopInstances(d, "stable", victims, "rolling update: replaced by the new version");
  }

  if (complete && liveIds(d, "stable").length === 0 && stable.starting === 0) {
    if (requestWeights(d, { stable: 0, canary: 100 })) return "done";
  }
  setStatus(d, "Progressing", `rolling: new version ${describeAvailability(d, "canary", replicas, minReadyMs)}; old version ${oldAvailable.length} available`);
  return "waiting";
}

/** Instances a test or the loop should see at most / at least available during the update. */
export function rollingLimits(deployment: Rolling): { maxTotal: number; minAvailable: number } {
  const { maxSurge, maxUnavailable } = rollingBounds(deployment);
  return { maxTotal: deployment.replicas + maxSurge, minAvailable: deployment.replicas - maxUnavailable };
}
