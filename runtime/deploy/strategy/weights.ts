/**
 * Router weights: what the engine wants (desired) and what the router was read back applying
 * (confirmed). A change counts only once confirmed; an unconfirmed change is sent again every
 * WEIGHTS_RETRY_MS (set-weights is idempotent), and the progress deadline bounds the wait.
 */
import { emit, log, type Draft } from "./draft.ts";
import type { Weights } from "./types.ts";

export const WEIGHTS_RETRY_MS = 5_000;
/** Routers may round (HAProxy weights are 0..256): half a percentage point is the same weight. */
const TOLERANCE = 0.5;

export function sameWeights(a: Weights | null, b: Weights): boolean {
  return a !== null && Math.abs(a.stable - b.stable) <= TOLERANCE && Math.abs(a.canary - b.canary) <= TOLERANCE;
}

export function describeWeights(w: Weights): string {
  return `stable ${w.stable}% / canary ${w.canary}%`;
}

/** Asks for `weights` unless they are already desired; true once the router confirmed them. */
export function requestWeights(d: Draft, weights: Weights): boolean {
  const state = d.s.weights;
  if (!sameWeights(state.desired, weights) || (state.requestedAt === null && !sameWeights(state.confirmed, weights))) {
    state.desired = { ...weights };
    if (sameWeights(state.confirmed, weights)) {
      state.requestedAt = null;
    } else {
      state.requestedAt = d.now;
      emit(d, { type: "set-weights", weights: state.desired });
    }
  }
  return weightsConfirmed(d);
}

export function weightsConfirmed(d: Draft): boolean {
  return sameWeights(d.s.weights.confirmed, d.s.weights.desired);
}

/** Records what the router applies; true when that is now the desired split (progress). */
export function observeWeights(d: Draft, weights: Weights): boolean {
  const state = d.s.weights;
  const wasConfirmed = weightsConfirmed(d);
  state.confirmed = { ...weights };
  if (weightsConfirmed(d)) {
    state.requestedAt = null;
    return !wasConfirmed;
  }
  if (state.requestedAt !== null) {
    log(d, `the router applies ${describeWeights(weights)}, not ${describeWeights(state.desired)} yet; asking again in ${WEIGHTS_RETRY_MS / 1000}s`, "warn");
  }
  return false;
}

/** Re-sends an unconfirmed change once WEIGHTS_RETRY_MS has passed. */
export function retryWeights(d: Draft): void {
  const state = d.s.weights;
  if (state.requestedAt === null || weightsConfirmed(d) || d.now < state.requestedAt + WEIGHTS_RETRY_MS) return;
  state.requestedAt = d.now;
  emit(d, { type: "set-weights", weights: state.desired });
}

export function weightsWakeAt(d: Draft): number | null {
  const state = d.s.weights;
  return state.requestedAt === null || weightsConfirmed(d) ? null : state.requestedAt + WEIGHTS_RETRY_MS;
}
