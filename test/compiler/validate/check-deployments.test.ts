/** Deployment rules: an analysis whose first measurement could only come after the progress deadline is a warning. */
import { describe, expect, it } from "vitest";
import type { Draft } from "../../../compiler/draft.ts";
import { validateDraft } from "../../../compiler/validate/index.ts";
import type { MetricSchema, PlanInput } from "../../../runtime/plan/schema.ts";
import type { z } from "zod";

const draftOf = (plan: PlanInput): Draft => ({ plan, locate: (path) => ({ file: "p.yaml", line: path.length, column: 1 }) });

function canaryWith(metric: Partial<z.input<typeof MetricSchema>>, progressDeadlineMs?: number): PlanInput {
  const errors = { name: "errors", provider: { kind: "builtin", metric: "errorRate" }, threshold: { max: 0.01 }, ...metric } as z.input<typeof MetricSchema>;
  return {
    name: "p",
    jobs: {
      ship: {
        name: "ship",
        deploy: { strategy: "canary", name: "web", target: { kind: "process", command: ["node", "server.js"] }, progressDeadlineMs, steps: [{ kind: "setWeight", weight: 10 }, { kind: "analysis", analysis: { metrics: [errors] } }] },
      },
    },
  };
}

const late = (plan: PlanInput) => validateDraft(draftOf(plan)).diagnostics.filter((d) => d.message.includes("not before the progress deadline"));

describe("checkDeployments: measurements and the progress deadline", () => {
  it.each([
    ["defaults (10 s interval, 10 min deadline)", {}, undefined, 0],
    ["an interval longer than the deadline", { intervalMs: 900_000 }, undefined, 1],
    ["the default interval after a long initialDelay", { initialDelayMs: 120_000 }, 60_000, 1],
    ["the default interval against a short deadline", {}, 10_000, 1],
    ["an http metric is measured at its start", { provider: { kind: "http", url: "http://127.0.0.1:9/x" } }, 5_000, 0],
  ] as const)("%s", (_, metric, deadline, count) => {
    const found = late(canaryWith(metric, deadline));
    expect(found).toHaveLength(count);
    if (count > 0) expect(found[0]).toMatchObject({ severity: "warning", hint: "make the interval shorter than progressDeadline, or progressDeadline longer" });
  });

  it("says when the first measurement comes and what the deadline is", () => {
    expect(late(canaryWith({ intervalMs: 900_000 }))[0]?.message).toMatch(/metric "errors" is first measured 15m after its analysis starts, not before the progress deadline \(10m\): the rollout would be rolled back first$/);
  });
});
