/**
 * The engine's two entry points. `startDeployment` gives the first state and actions;
 * `advanceDeployment(deployment, state, observation, now)` every later one. Pure: no I/O, no
 * clock; the state passed in is never modified. Observations that no longer apply (a measurement
 * for a finished analysis, an approval nobody waits for, anything once settled) change nothing.
 */
import type { Deployment } from "../../plan/schema.ts";
import { runAbort } from "./abort.ts";
import { analysesWakeAt, observeMeasurement, sendDueMeasurements, startRun } from "./analyses.ts";
import { checkBackground, checkProgressDeadline, checkServingWithoutReady, concludeAtProgressDeadline, onAbort, onApproval, onFailures, onPromote } from "./controls.ts";
import { currentStage, emit, log, markProgress, openDraft, type Draft } from "./draft.ts";
import { availableIds, emptyInstances, liveIds, minReadyWakeAt, observeInstances, stopAllInstances } from "./instances.ts";
import { backgroundAnalysis, buildProgram } from "./program.ts";
import { enterStage, runStage } from "./stages.ts";
import type { DeployObservation, DeployState, DeployStateData, DeployStepResult } from "./types.ts";
import { observeWeights, retryWeights, weightsWakeAt } from "./weights.ts";

export interface StartContext {
  /** Whether a stable version serves now; false for a first deploy, which skips steps and analysis. */
  readonly hasStable: boolean;
  readonly now: number;
}

export function startDeployment(deployment: Deployment, context: StartContext): DeployStepResult {
  const { hasStable, now } = context;
  const initial: DeployStateData = {
    strategy: deployment.strategy,
    hasStable,
    startedAt: now,
    phase: "Progressing",
    pausedReason: null,
    message: "starting",
    stageIndex: 0,
    stepIndex: null,
    stage: { enteredAt: now, pauseUntil: null, approvalTimeoutAt: null, analysisId: null, released: false },
    full: false,
    heldByBackground: false,
    instances: { stable: emptyInstances(), canary: emptyInstances() },
    // With a stable version the router is first (re)told to send it everything; before a first deploy nothing is routed.
    weights: hasStable ? { desired: { stable: 100, canary: 0 }, confirmed: null, requestedAt: null } : { desired: { stable: 0, canary: 0 }, confirmed: { stable: 0, canary: 0 }, requestedAt: null },
    analyses: {},
    backgroundAnalysisId: null,
    analysisCount: 0,
    progressDeadlineAt: null,
    progressDeadlineExceeded: false,
    abort: null,
    verdict: null,
    scaleDown: null,
    settled: false,
  };
  const d = openDraft(initial, deployment, buildProgram(deployment, hasStable), now);
  log(d, hasStable ? `${deployment.strategy} deployment of "${deployment.name}" started` : `"${deployment.name}": no stable version serving to shift from, so steps and analysis are skipped`);
  if (hasStable) {
    d.s.weights.requestedAt = now;
    emit(d, { type: "set-weights", weights: d.s.weights.desired });
  }
  enterStage(d, 0);
  settle(d);
  return close(d, null);
}

export function advanceDeployment(deployment: Deployment, state: DeployState, observation: DeployObservation, now: number): DeployStepResult {
  if (state.settled) return { state, actions: [], wakeAt: null };
  const d = openDraft(state, deployment, buildProgram(deployment, state.hasStable), now);
  observe(d, observation);
  settle(d);
  return close(d, state);
}

function observe(d: Draft, obs: DeployObservation): void {
  switch (obs.type) {
    case "tick":
      return;
    case "instances": {
      const minReadyMs = d.deployment.strategy === "rolling" ? d.deployment.minReadyMs : 0;
      const before = { available: availableIds(d, "canary", minReadyMs).length, old: liveIds(d, "stable").length };
      const failures = observeInstances(d, obs);
      if (availableIds(d, "canary", minReadyMs).length > before.available || liveIds(d, "stable").length < before.old) markProgress(d);
      onFailures(d, obs.version, failures);
      return;
    }
    case "weights-confirmed":
      if (observeWeights(d, obs.weights)) markProgress(d);
      return;
    case "measurement":
      observeMeasurement(d, obs);
      return;
    case "approval":
      onApproval(d, obs.gate);
      return;
    case "promote":
      onPromote(d, obs.full === true);
      return;
    case "abort":
      onAbort(d, obs.reason);
      return;
  }
}

function settle(d: Draft): void {
  retryWeights(d);
  if (d.s.abort === null && d.s.verdict === null) progress(d);
  if (d.s.abort !== null && d.s.verdict === null) runAbort(d);
  if (d.s.verdict !== null) cleanUp(d);
}

function progress(d: Draft): void {
  concludeAtProgressDeadline(d);
  checkServingWithoutReady(d);
  startBackground(d);
  if (d.s.abort === null) checkBackground(d);
  // Each stage that completes enters the next one at once; the bound only guards against a bug looping.
  for (let guard = 0; guard <= d.program.length && d.s.abort === null && d.s.verdict === null && !d.s.heldByBackground; guard++) {
    if (currentStage(d) === undefined || runStage(d) === "waiting") break;
    enterStage(d, d.s.stageIndex + 1);
  }
  if (d.s.abort === null && d.s.verdict === null) checkProgressDeadline(d);
  if (d.s.abort === null && d.s.verdict === null) sendDueMeasurements(d);
}

/**
 * The background analysis starts once the router confirms traffic on the new version: measured
 * earlier, a canary without requests would only give "no data".
 */
function startBackground(d: Draft): void {
  if (d.s.backgroundAnalysisId !== null || d.s.full || (d.s.weights.confirmed?.canary ?? 0) <= 0) return;
  const analysis = backgroundAnalysis(d.deployment, d.s.hasStable);
  if (analysis !== null) d.s.backgroundAnalysisId = startRun(d, "background", analysis);
}

/** After the verdict: the scale-down of the version that lost (after its delay), then settled. */
function cleanUp(d: Draft): void {
  const scaleDown = d.s.scaleDown;
  if (scaleDown !== null && d.now >= scaleDown.at) {
    const why = d.s.verdict?.result === "healthy" ? "replaced by the new version (scaleDownDelay over)" : "rolled back (abortScaleDownDelay over)";
    stopAllInstances(d, scaleDown.version, why);
    d.s.scaleDown = null;
  }
  if (d.s.scaleDown === null && !d.s.settled) {
    d.s.settled = true;
    emit(d, { type: "settled" });
  }
}

function close(d: Draft, before: DeployState | null): DeployStepResult {
  const s = d.s;
  if (before === null || before.phase !== s.phase || before.pausedReason !== s.pausedReason || before.message !== s.message || before.stepIndex !== s.stepIndex) {
    d.actions.push({ type: "status", phase: s.phase, pausedReason: s.pausedReason, stepIndex: s.stepIndex, message: s.message });
  }
  return { state: s as DeployState, actions: d.actions, wakeAt: wakeAt(d) };
}

function wakeAt(d: Draft): number | null {
  const s = d.s;
  if (s.settled) return null;
  const times: (number | null)[] = [s.scaleDown?.at ?? null, weightsWakeAt(d)];
  if (s.verdict === null && s.abort !== null) times.push(s.abort.deadlineAt);
  if (s.verdict === null && s.abort === null) {
    times.push(s.progressDeadlineAt, analysesWakeAt(d));
    if (!s.heldByBackground && !s.stage.released) times.push(s.stage.pauseUntil, s.stage.approvalTimeoutAt);
    if (d.deployment.strategy === "rolling") times.push(minReadyWakeAt(d, "canary", d.deployment.minReadyMs));
  }
  const future = times.filter((t): t is number => t !== null);
  return future.length === 0 ? null : Math.min(...future);
}

