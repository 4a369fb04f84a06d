/**
 * The working copy of one transition: a deep copy of the state that the stage code mutates, the
 * actions it collects, and the inputs that do not change during the transition.
 */
import type { Deployment } from "../../plan/schema.ts";
import type { Stage } from "./program.ts";
import type { DeployAction, DeployPhase, DeployState, DeployStateData, PausedReason } from "./types.ts";

export interface Draft {
  readonly s: DeployStateData;
  readonly deployment: Deployment;
  readonly program: readonly Stage[];
  readonly now: number;
  readonly actions: DeployAction[];
}

export function openDraft(state: DeployState, deployment: Deployment, program: readonly Stage[], now: number): Draft {
  return { s: structuredClone(state) as DeployStateData, deployment, program, now, actions: [] };
}

export function currentStage(d: Draft): Stage | undefined {
  return d.program[d.s.stageIndex];
}

export function emit(d: Draft, action: DeployAction): void {
  d.actions.push(action);
}

export function log(d: Draft, message: string, level: "info" | "warn" = "info"): void {
  d.actions.push({ type: "log", level, message });
}

/** Sets the status line; the transition emits one `status` action if it changed. */
export function setStatus(d: Draft, phase: DeployPhase, message: string, pausedReason: PausedReason | null = null): void {
  d.s.phase = phase;
  d.s.pausedReason = phase === "Paused" ? pausedReason : null;
  d.s.message = message;
}

/** Progress was made: the deadline starts again at the next wait. */
export function markProgress(d: Draft): void {
  d.s.progressDeadlineAt = null;
  d.s.progressDeadlineExceeded = false;
}

/**
 * The rollout waits for something that should come by itself (instances, the router, traffic to
 * analyse, an inconclusive analysis to be resolved): the progress deadline runs from the last progress.
 */
export function armProgressDeadline(d: Draft): "waiting" {
  if (d.s.progressDeadlineAt === null && !d.s.progressDeadlineExceeded) d.s.progressDeadlineAt = d.now + d.deployment.progressDeadlineMs;
  return "waiting";
}

/** `600000` → `10m`, `1500` → `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
