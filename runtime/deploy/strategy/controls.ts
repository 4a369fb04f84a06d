/**
 * What comes from outside the plan: `pipec promote` / `approve` / `abort`, instance failures, the
 * progress deadline, and the background analysis, which can stop a rollout at any stage.
 */
import { beginAbort, where } from "./abort.ts";
import { concludeAnalysesWaitingForData, describeOutcome, run, startRun, terminateRun } from "./analyses.ts";
import { armProgressDeadline, currentStage, emit, formatDuration, log, setStatus, type Draft } from "./draft.ts";
import { backgroundAnalysis } from "./program.ts";
import { availableIds } from "./instances.ts";
import { isSkippable } from "./stages.ts";
import type { InstanceFailure } from "./types.ts";

export function onPromote(d: Draft, full: boolean): void {
  if (d.s.verdict !== null || d.s.abort !== null) {
    log(d, "promote ignored: the deployment is already finished or rolling back", "warn");
    return;
  }
  if (d.s.heldByBackground) {
    restartBackground(d);
    if (!full) return;
  }
  if (full && !d.s.full) {
    d.s.full = true;
    terminateRun(d, d.s.backgroundAnalysisId, "promote --full");
    log(d, "promote --full: skipping the remaining pauses, approvals and analyses");
  }
  const stage = currentStage(d);
  if (stage !== undefined && isSkippable(stage) && !d.s.stage.released) {
    if (stage.kind === "approval") emit(d, { type: "approval-closed", gate: stage.gate, outcome: "promoted" });
    if (stage.kind === "analysis") terminateRun(d, d.s.stage.analysisId, "skipped by promote");
    d.s.stage.released = true;
    log(d, `promote: ${stage.kind === "analysis" ? "analysis skipped" : stage.kind === "approval" ? `approval "${stage.gate}" given` : "pause ended"}`);
  } else if (!full) {
    log(d, `promote ignored: nothing is paused (${d.s.message}); promote resumes pauses, approvals and analyses only`, "warn");
  }
}

export function onApproval(d: Draft, gate: string): void {
  const stage = currentStage(d);
  if (stage?.kind === "approval" && stage.gate === gate && !d.s.stage.released && !d.s.full && d.s.verdict === null && d.s.abort === null) {
    d.s.stage.released = true;
    emit(d, { type: "approval-closed", gate, outcome: "approved" });
    log(d, `approval "${gate}" given`);
    return;
  }
  const waiting = stage?.kind === "approval" && !d.s.stage.released ? `; the deployment waits at approval "${stage.gate}"` : "";
  log(d, `approval "${gate}" ignored: no such gate is waiting${waiting}`, "warn");
}

export function onAbort(d: Draft, reason: string | undefined): void {
  if (d.s.verdict !== null || d.s.abort !== null) return;
  beginAbort(d, `aborted: ${reason ?? "by request"} ${where(d)}`);
}

/** A failed instance of the new version aborts at once (failed health); a failed stable instance is only reported. */
export function onFailures(d: Draft, role: "stable" | "canary", failures: readonly InstanceFailure[]): void {
  for (const failure of failures) {
    if (role === "canary" && d.s.verdict === null) beginAbort(d, `instance ${failure.id} of the new version failed: ${failure.reason} ${where(d)}`);
    else log(d, `instance ${failure.id} of the ${role === "canary" ? "new" : "stable"} version failed: ${failure.reason}`, "warn");
  }
}

/**
 * The new version carries traffic but none of its instances is ready (their health checks failed
 * after it took traffic, thresholds applied): the router answers 503 for its share. Abort at once
 * instead of waiting for the progress deadline. Rolling keeps to maxUnavailable and the deadline.
 */
export function checkServingWithoutReady(d: Draft): void {
  if (d.deployment.strategy === "rolling" || !d.s.hasStable || d.s.abort !== null || d.s.verdict !== null) return;
  const v = d.s.instances.canary;
  if ((d.s.weights.confirmed?.canary ?? 0) <= 0 || !v.reported || v.starting > 0 || availableIds(d, "canary").length > 0) return;
  const unready = v.unready.filter((id) => !v.stopping.includes(id));
  beginAbort(d, `the new version has no ready instance${unready.length > 0 ? ` (unready: ${unready.join(", ")})` : ""} ${where(d)}: its share of the traffic would fail`);
}

/** The progress deadline passed: windows still waiting for traffic are judged now, by their metric's noData policy. */
export function concludeAtProgressDeadline(d: Draft): void {
  const at = d.s.progressDeadlineAt;
  if (at === null || d.now < at) return;
  concludeAnalysesWaitingForData(d, `by the progress deadline (${formatDuration(d.deployment.progressDeadlineMs)})`);
}

/**
 * Checked after the stages had their turn (an analysis judged at the deadline may have let the
 * rollout move on). It holds in every wait it was armed for, an inconclusive pause included.
 */
export function checkProgressDeadline(d: Draft): void {
  const at = d.s.progressDeadlineAt;
  if (at === null || d.now < at) return;
  // A rolling status line already counts the instances, and an inconclusive pause already says where it is.
  const inconclusive = d.s.phase === "Paused" && d.s.pausedReason === "inconclusive";
  const message = inconclusive ? d.s.message.replace(/; waiting for promote or abort$/, "") : d.s.message;
  const position = inconclusive || (d.deployment.strategy === "rolling" && d.s.hasStable) ? "" : ` ${where(d)}`;
  const reason = `progress deadline ${formatDuration(d.deployment.progressDeadlineMs)} exceeded: ${message}${position}`;
  if (d.deployment.abortOnProgressDeadline) {
    beginAbort(d, reason);
    return;
  }
  d.s.progressDeadlineAt = null;
  d.s.progressDeadlineExceeded = true;
  log(d, `${reason}; still waiting (abortOnProgressDeadline: false)`, "warn");
}

/** Failed: abort. Inconclusive: hold (or abort with onInconclusive: abort) until promote restarts it. */
export function checkBackground(d: Draft): void {
  const current = run(d, d.s.backgroundAnalysisId);
  if (current === undefined || d.s.heldByBackground || d.s.full) return;
  if (current.phase === "Failed") beginAbort(d, `${describeOutcome("background analysis", current)} ${where(d)}`);
  if (current.phase !== "Inconclusive") return;
  const reason = `background analysis "${current.decisiveMetric ?? ""}" inconclusive: ${current.message ?? ""} ${where(d)}`;
  if (d.deployment.strategy === "canary" && d.deployment.onInconclusive === "abort") {
    beginAbort(d, reason);
    return;
  }
  d.s.heldByBackground = true;
  armProgressDeadline(d);
  setStatus(d, "Paused", `${reason}; waiting for promote or abort`, "inconclusive");
}

function restartBackground(d: Draft): void {
  d.s.heldByBackground = false;
  const analysis = backgroundAnalysis(d.deployment, d.s.hasStable);
  if (analysis !== null) d.s.backgroundAnalysisId = startRun(d, "background", analysis);
  log(d, "promote: resuming after the inconclusive background analysis; it starts again");
}
