/** An invalid draft is repaired field by field for the semantic passes: one bad step field hides nothing else. */
import { describe, expect, it } from "vitest";
import type { Draft } from "../../../compiler/draft.ts";
import { partialPlan } from "../../../compiler/validate/partial-plan.ts";
import { validateDraft } from "../../../compiler/validate/index.ts";
import type { PlanInput } from "../../../runtime/plan/schema.ts";

const draftOf = (plan: PlanInput): Draft => ({ plan, locate: () => ({ file: "p.yaml", line: 1, column: 1 }) });
const messages = (plan: PlanInput) => validateDraft(draftOf(plan)).diagnostics.map((d) => d.message);

describe("partialPlan", () => {
  it.each([
    ["a step's retry beyond the limit", { name: "one", run: "true", retry: { max: 42 } }],
    ["a step's timeout beyond the limit", { name: "one", run: "true", timeoutMs: 8 * 86_400_000 }],
    ["an unknown step field", { name: "one", run: "true", colour: "red" }],
    ["an empty step script", { name: "one", run: "" }],
    ["an empty step name", { name: "", run: "true" }],
  ])("keeps the other steps after %s", (_, bad) => {
    const plan = { name: "p", jobs: { build: { name: "build", image: "alpine", steps: [bad, { name: "two", run: "true", image: "Bad Image" }] } } } as PlanInput;
    const job = partialPlan(draftOf(plan)).jobs["build"]!;
    expect(job.steps).toHaveLength(2);
    expect(job.steps[1]!.image).toBe("Bad Image");
    const all = messages(plan);
    expect(all.some((m) => m.includes('step 2 ("two"): image: "Bad Image" is not a valid image reference'))).toBe(true);
    expect(all.filter((m) => m.includes("has no steps"))).toEqual([]);
  });

  it("does not touch the draft it repairs", () => {
    const plan = { name: "p", jobs: { build: { name: "build", image: "alpine", steps: [{ name: "one", run: "true", retry: { max: 42 } }] } } } as PlanInput;
    partialPlan(draftOf(plan));
    expect(plan.jobs["build"]!.steps![0]!.retry).toEqual({ max: 42 });
  });

  it("still says a job has no steps when the author wrote none", () => {
    expect(messages({ name: "p", jobs: { build: { name: "build", image: "alpine", steps: [], timeoutMs: 0 } } })).toContain('job "build" has no steps');
  });

  it("does not say a deployment job whose deployment is invalid has no steps", () => {
    const plan = { name: "p", jobs: { web: { name: "web", deploy: { strategy: "rolling", name: "web", target: { kind: "process", command: [] } } } } } as unknown as PlanInput;
    expect(messages(plan).filter((m) => m.includes("has no steps"))).toEqual([]);
  });
});
