/**
 * Entering and running one stage. `runStage` is called again on every transition until it says
 * "done". Waiting on instances, on the router, on an analysis (traffic to judge) or on an
 * inconclusive analysis arms the progress deadline; a pause or an approval the author wrote does not
 * (they end by their own duration or timeout, or by a person).
 */
import { beginAbort, where } from "./abort.ts";
import { concludeAnalysesWaitingForData, describeOutcome, describeWaitingForData, neverHadData, run, startRun, terminateRun } from "./analyses.ts";
import { checkBackground } from "./controls.ts";
import { armProgressDeadline, currentStage, emit, formatDuration, log, markProgress, setStatus, type Draft } from "./draft.ts";
import { availableIds, describeAvailability, liveIds, startInstances } from "./instances.ts";
import type { Stage } from "./program.ts";
import { rollStage } from "./rolling.ts";
import { describeWeights, requestWeights } from "./weights.ts";

export function enterStage(d: Draft, index: number): void {
  d.s.stageIndex = index;
  const stage = d.program[index];
  d.s.stepIndex = stage?.stepIndex ?? null;
  d.s.stage = { enteredAt: d.now, pauseUntil: null, approvalTimeoutAt: null, analysisId: null, released: false };
  markProgress(d);
  if (stage === undefined || (d.s.full && isSkippable(stage))) return;
  if (stage.kind === "pause" && stage.durationMs !== null) d.s.stage.pauseUntil = d.now + stage.durationMs;
  if (stage.kind === "approval") {
    const timeoutAt = stage.timeoutMs === null ? null : d.now + stage.timeoutMs;
    d.s.stage.approvalTimeoutAt = timeoutAt;
    emit(d, { type: "await-approval", gate: stage.gate, timeoutAt });
  }
  if (stage.kind === "analysis") d.s.stage.analysisId = startRun(d, stage.label.replace(/ analysis$/, "").replace(/ /g, "-"), stage.analysis);
}

/** Pauses, approvals and analyses are what `promote` releases and `promote --full` skips. */
export function isSkippable(stage: Stage): boolean {
  return stage.kind === "pause" || stage.kind === "approval" || stage.kind === "analysis";
}

export { markProgress };

export function runStage(d: Draft): "done" | "waiting" {
  const stage = currentStage(d);
  if (stage === undefined) return "waiting";
  if (isSkippable(stage) && (d.s.full || d.s.stage.released)) return "done";
  const moving = stage.promoting ? "Promoting" : "Progressing";
  switch (stage.kind) {
    case "scale": {
      const minReadyMs = d.deployment.strategy === "rolling" ? d.deployment.minReadyMs : 0;
      startInstances(d, "canary", stage.replicas - liveIds(d, "canary").length - d.s.instances.canary.starting);
      if (availableIds(d, "canary", minReadyMs).length >= stage.replicas) return "done";
      setStatus(d, moving, `starting the new version: ${describeAvailability(d, "canary", stage.replicas, minReadyMs)}`);
      return armProgressDeadline(d);
    }
    case "weight": {
      const weights = { stable: 100 - stage.canary, canary: stage.canary };
      if (requestWeights(d, weights)) return "done";
      setStatus(d, moving, `waiting for the router to apply ${describeWeights(weights)}`);
      return armProgressDeadline(d);
    }
    case "pause": {
      const until = d.s.stage.pauseUntil;
      if (until !== null && d.now >= until) return "done";
      setStatus(d, "Paused", until === null ? "paused until promote" : `paused for ${formatDuration(stage.durationMs ?? 0)} (or until promote)`, "step");
      return "waiting";
    }
    case "approval":
      return runApproval(d, stage);
    case "analysis":
      return runAnalysisStage(d, stage, moving);
    case "roll":
      if (d.deployment.strategy !== "rolling") return "done";
      return rollStage(d, d.deployment) === "done" ? "done" : armProgressDeadline(d);
    case "complete":
      if (backgroundLacksData(d)) return "waiting";
      complete(d);
      return "waiting";
  }
}

function runApproval(d: Draft, stage: Extract<Stage, { kind: "approval" }>): "done" | "waiting" {
  const timeoutAt = d.s.stage.approvalTimeoutAt;
  if (timeoutAt !== null && d.now >= timeoutAt) {
    emit(d, { type: "approval-closed", gate: stage.gate, outcome: "timed-out" });
    const after = formatDuration(stage.timeoutMs ?? 0);
    if (stage.onTimeout === "abort") {
      beginAbort(d, `approval "${stage.gate}" timed out after ${after} ${where(d)}`);
      return "waiting";
    }
    log(d, `approval "${stage.gate}" timed out after ${after}: promoting (onTimeout: promote)`, "warn");
    return "done";
  }
  const limit = timeoutAt === null ? "" : ` (times out after ${formatDuration(stage.timeoutMs ?? 0)}: ${stage.onTimeout})`;
  setStatus(d, "Paused", `waiting for approval "${stage.gate}"${limit}`, "approval");
  return "waiting";
}

function runAnalysisStage(d: Draft, stage: Extract<Stage, { kind: "analysis" }>, moving: "Progressing" | "Promoting"): "done" | "waiting" {
  const current = run(d, d.s.stage.analysisId);
  if (current === undefined) return "done";
  switch (current.phase) {
    case "Successful":
      return "done";
    case "Failed":
      beginAbort(d, `${describeOutcome(stage.label, current)} ${where(d)}`);
      return "waiting";
    case "Inconclusive": {
      const reason = `${stage.label} "${current.decisiveMetric ?? ""}" inconclusive: ${current.message ?? ""} ${where(d)}`;
      if (d.deployment.strategy === "canary" && d.deployment.onInconclusive === "abort") {
        beginAbort(d, reason);
        return "waiting";
      }
      setStatus(d, "Paused", `${reason}; waiting for promote or abort`, "inconclusive");
      return armProgressDeadline(d);
    }
    case "Running": {
      const waiting = describeWaitingForData(current);
      setStatus(d, moving, waiting === null ? `${stage.label} running (${current.id})` : `${stage.label} ${waiting} ${where(d)}`);
      return armProgressDeadline(d);
    }
  }
}

/**
 * A background analysis that never saw enough traffic to judge is not passed silently at promotion:
 * its windows are judged by noData now (inconclusive holds the rollout, fail rolls it back).
 */
function backgroundLacksData(d: Draft): boolean {
  if (!neverHadData(run(d, d.s.backgroundAnalysisId))) return false;
  concludeAnalysesWaitingForData(d, "at promotion");
  checkBackground(d);
  return d.s.abort !== null || d.s.heldByBackground;
}

/** Promotion is complete: the new version is the stable one; the old one stays warm for scaleDownDelay. */
function complete(d: Draft): void {
  terminateRun(d, d.s.backgroundAnalysisId, "promoted");
  d.s.verdict = { result: "healthy", reason: null };
  setStatus(d, "Healthy", d.s.hasStable ? "promoted: the new version serves all traffic" : "first deploy: the new version serves all traffic");
  emit(d, { type: "finished", result: "healthy", reason: null });
  const oldLeft = liveIds(d, "stable").length + d.s.instances.stable.starting > 0;
  if (d.s.hasStable && (d.deployment.strategy !== "rolling" || oldLeft)) {
    d.s.scaleDown = { version: "stable", at: d.now + d.deployment.scaleDownDelayMs };
  }
}
