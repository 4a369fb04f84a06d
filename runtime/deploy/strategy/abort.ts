/**
 * Abort, for every strategy: stop analysing, put the stable version back to its replicas if it was
 * scaled down (rolling), send all traffic to it and wait for the router to confirm, then give the
 * verdict (degraded, with the reason) and stop the new version after abortScaleDownDelay.
 */
import { terminateAllRuns } from "./analyses.ts";
import { currentStage, emit, log, setStatus, type Draft } from "./draft.ts";
import { availableIds, liveIds, startInstances } from "./instances.ts";
import { requestWeights } from "./weights.ts";

/** Where the rollout was, for reasons: `at weight 10%`, `after the switch`, `with 2 of 4 new instances available`. */
export function where(d: Draft): string {
  if (!d.s.hasStable) return "on the first deploy";
  const canary = d.s.weights.confirmed?.canary ?? 0;
  switch (d.deployment.strategy) {
    case "canary":
      return `at weight ${canary}%`;
    case "blueGreen":
      return canary >= 100 ? "after the switch" : "before the switch";
    case "rolling":
      return `with ${availableIds(d, "canary", d.deployment.minReadyMs).length} of ${d.deployment.replicas} new instances available`;
  }
}

export function beginAbort(d: Draft, reason: string): void {
  if (d.s.abort !== null || d.s.verdict !== null) return;
  d.s.abort = { reason, at: d.now, deadlineAt: d.now + d.deployment.progressDeadlineMs };
  terminateAllRuns(d, "aborted");
  const stage = currentStage(d);
  if (stage?.kind === "approval" && !d.s.stage.released && !d.s.full) emit(d, { type: "approval-closed", gate: stage.gate, outcome: "aborted" });
  d.s.heldByBackground = false;
  d.s.progressDeadlineAt = null;
  setStatus(d, "Degraded", `rolling back: ${reason}`);
  log(d, `aborting: ${reason}`, "warn");
}

/** One pass of the rollback; gives the verdict once traffic is confirmed back on stable (or the deadline passes). */
export function runAbort(d: Draft): void {
  const abort = d.s.abort;
  if (abort === null || d.s.verdict !== null) return;
  if (!d.s.hasStable) return finishDegraded(d, abort.reason);
  let routed = false;
  if (d.deployment.strategy === "rolling") {
    const have = liveIds(d, "stable").length + d.s.instances.stable.starting;
    startInstances(d, "stable", d.deployment.replicas - have);
    // Traffic goes back only to a stable version that can serve it.
    if (availableIds(d, "stable").length > 0) routed = requestWeights(d, { stable: 100, canary: 0 });
  } else {
    routed = requestWeights(d, { stable: 100, canary: 0 });
  }
  if (routed) return finishDegraded(d, abort.reason);
  if (d.now >= abort.deadlineAt) {
    log(d, "the router did not confirm all traffic back on the stable version before the deadline", "warn");
    finishDegraded(d, `${abort.reason} (traffic back on the stable version not confirmed)`);
  }
}

function finishDegraded(d: Draft, reason: string): void {
  d.s.verdict = { result: "degraded", reason };
  setStatus(d, "Degraded", reason);
  emit(d, { type: "finished", result: "degraded", reason });
  d.s.scaleDown = { version: "canary", at: d.now + d.deployment.abortScaleDownDelayMs };
}
