/**
 * Plan fields in DSL words, for diagnostics: the reverse of the property locator's rename table
 * (property-locator.ts). Durations lose their `Ms`, `memoryBytes` is `memory`, canary steps are keyed
 * (`{ pause: { duration } }`) where the plan tags them, and `retry: 3` is `retry` where the plan has
 * `retry.max`. Pure: plan and path in, words out.
 */
import type { PlanInput } from "../../runtime/plan/schema.ts";
import type { PlanPath } from "../draft.ts";
import type { FieldSpeller } from "../label.ts";

/** Plan fields the DSL names differently, wherever they occur (the property locator walks the same table). */
export const DSL_FIELD_NAMES: Readonly<Record<string, string>> = {
  timeoutMs: "timeout",
  expireInMs: "expireIn",
  memoryBytes: "memory",
  initialMs: "initial",
  maxMs: "max",
  progressDeadlineMs: "progressDeadline",
  drainTimeoutMs: "drainTimeout",
  scaleDownDelayMs: "scaleDownDelay",
  abortScaleDownDelayMs: "abortScaleDownDelay",
  autoPromoteAfterMs: "autoPromoteAfter",
  minReadyMs: "minReady",
  intervalMs: "interval",
  initialDelayMs: "initialDelay",
  windowMs: "window",
  triggers: "on",
};

/** Where each canary step kind keeps its plan fields in the DSL: `{ kind: "pause", durationMs }` is `{ pause: { duration } }`. */
export const CANARY_STEP_FIELDS: Readonly<Record<string, Readonly<Record<string, PlanPath>>>> = {
  setWeight: { weight: ["setWeight"], kind: [] },
  pause: { durationMs: ["pause", "duration"], kind: ["pause"] },
  approval: { name: ["approval", "name"], timeoutMs: ["approval", "timeout"], onTimeout: ["approval", "onTimeout"], kind: ["approval"] },
  analysis: { kind: ["analysis"] },
};

export function dslSpeller(plan: PlanInput): FieldSpeller {
  return (scope, field) => {
    const owner = valueAt(plan, scope) as Record<string, unknown> | undefined;
    const [first, index, part, ...rest] = field;
    // Deployment options sit beside the job's in the DSL: the scope is `deployment "web"`.
    if (scope.length === 3 && first === "steps" && typeof index === "number") {
      const kind = (valueAt(owner, ["steps", index]) as { kind?: unknown } | undefined)?.kind;
      const fields = typeof kind === "string" ? CANARY_STEP_FIELDS[kind] : undefined;
      const spelled = part !== undefined && fields ? fields[String(part)] : undefined;
      if (spelled) return ["steps", index, ...spelled, ...rest.map(rename)];
    }
    // `retry: 3` has no `max` to point at; a retry with any other option was written as an object.
    if (first === "retry" && index === "max" && field.length === 2) {
      const retry = owner?.["retry"];
      if (retry && typeof retry === "object" && Object.keys(retry).every((key) => key === "max")) return ["retry"];
    }
    return field.map(rename);
  };
}

function rename(segment: string | number): string | number {
  return typeof segment === "string" ? (DSL_FIELD_NAMES[segment] ?? segment) : segment;
}

function valueAt(value: unknown, path: PlanPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
