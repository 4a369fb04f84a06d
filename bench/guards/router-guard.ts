/**
 * The router section's guard: did a timed load run get its answers from the upstreams, split as the
 * weights say? From the generator's counts and the upstreams' own counters read before and after the
 * run: some requests completed, every response was 2xx with no connection error, the upstreams served
 * what the generator counted (give or take the requests in flight when it stopped), and the share that
 * reached v2 is the weights' (0 for direct connections and the relays, which go to v1 alone). Pure.
 */
import type { LoadResult } from "../router-report.ts";
import { VALID, invalid, type Verdict } from "./verdict.ts";

export interface LoadMeasurement {
  readonly result: Pick<LoadResult, "requests" | "errors" | "non2xx">;
  readonly connections: number;
  /** Requests v1 and v2 served during the run (their counters' difference); null when they could not be read. */
  readonly served: readonly [number, number] | null;
}

export interface SplitExpectation {
  /** Weights of v1 and v2, any scale: `{ v1: 90, v2: 10 }`; `{ v1: 1, v2: 0 }` for a target that reaches v1 alone. */
  readonly weights: { readonly v1: number; readonly v2: number };
  /** How far the v2 share may be from the weights', as a fraction of all requests. @default 0.02 */
  readonly tolerance?: number;
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

export function guardLoad(measured: LoadMeasurement, expected: SplitExpectation): Verdict {
  const { requests, errors, non2xx } = measured.result;
  if (!(requests > 0)) return invalid(`no request completed${errors > 0 ? ` (${errors} connection errors)` : ""}`);
  if (non2xx > 0 || errors > 0) {
    const parts = [non2xx > 0 ? `${non2xx} of ${requests} responses were not 2xx` : "", errors > 0 ? `${errors} connection errors or timeouts` : ""].filter(Boolean);
    return invalid(parts.join(", "));
  }
  if (measured.served === null) return invalid("the upstreams' request counters could not be read, so where the requests went is unknown");
  const [v1, v2] = measured.served;
  const served = v1 + v2;
  // Requests in flight when the generator stopped reach an upstream without being counted by the generator.
  const slack = measured.connections + Math.ceil(requests * 0.01);
  if (Math.abs(served - requests) > slack) return invalid(`the upstreams served ${served} requests, the generator counted ${requests} responses`);
  const total = expected.weights.v1 + expected.weights.v2;
  const want = total > 0 ? expected.weights.v2 / total : 0;
  const share = served > 0 ? v2 / served : 0;
  const tolerance = expected.tolerance ?? 0.02;
  if (want === 0 && v2 > 0) return invalid(`${v2} requests reached v2, which this target must not reach`);
  if (Math.abs(share - want) > tolerance) {
    return invalid(`v2 got ${percent(share)} of the requests (${v2} of ${served}); the weights say ${percent(want)} (±${percent(tolerance)})`);
  }
  return VALID;
}
