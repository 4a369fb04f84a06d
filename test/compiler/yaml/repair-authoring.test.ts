import { describe, expect, it } from "vitest";
import { AuthoringPipelineSchema, REPAIRED_HOLE } from "../../../compiler/yaml/authoring-schema.ts";
import { repairAuthoring } from "../../../compiler/yaml/repair-authoring.ts";
import { nestingPastLimit } from "../../../compiler/yaml/nesting-limit.ts";

describe("repairAuthoring", () => {
  it("removes bad values where they sit and keeps jobs, their needs and step indices", () => {
    const repaired = repairAuthoring({
      name: "p",
      imagee: "x",
      jobs: {
        "test suite": { steps: ["npm test"] },
        build: { timeout: "forever", depends_on: ["lint"], steps: [{ scrpit: "make" }, { script: "b", retry_count: -1 }] },
        deploy: { steps: "echo deploy", matrix: { node: 20 } },
      },
    });
    expect(repaired).toEqual({
      name: "p",
      jobs: {
        "test suite": { steps: ["npm test"] },
        build: { depends_on: ["lint"], steps: [{ script: "true" }, { script: "b" }] },
        deploy: { steps: ["true"], matrix: { node: [20] } },
      },
    });
  });

  it("a rejected element of inputs or depends_on becomes a hole: the list's other elements stay, at their indices", () => {
    const repaired = repairAuthoring({
      name: "p",
      jobs: {
        build: { steps: ["make"] },
        use: { steps: ["cat"], depends_on: ["build", 7, "lint"], inputs: ["build.nope", { form: "build.dist" }, "build.dist", { from: "build.x", optional: "yes" }] },
      },
    });
    expect(repaired?.jobs["use"]).toEqual({ steps: ["cat"], depends_on: ["build", REPAIRED_HOLE, "lint"], inputs: ["build.nope", REPAIRED_HOLE, "build.dist", { from: "build.x" }] });
  });

  it("stands in for a missing name and a job that is not a mapping", () => {
    expect(repairAuthoring({ jobs: { a: 3 } })).toEqual({ name: "pipeline", jobs: { a: { steps: ["true"] } } });
  });

  // Given the strict parse's issues, a round of removals that leave each mapping valid by construction is not parsed again.
  const firstRound = (input: Record<string, unknown>) => repairAuthoring(input, AuthoringPipelineSchema.safeParse(input).error!.issues);

  it.each([
    ["bad optional job fields", { name: "p", jobs: { a: { timeout: "forever", retry: -1, network: "bridge", depends_on: ["x"], steps: ["make"] } } }],
    ["unknown fields of the top level, a job and a step", { name: "p", imagee: "x", jobs: { a: { stpes: 1, steps: [{ script: "make", scrpit: 2 }, "b"] } } }],
    ["bad optional step and top-level fields", { name: "p", timeout: true, image: "", jobs: { a: { steps: [{ script: "make", timeout: "soon", retry_count: -2 }] } } }],
    ["a missing script, a bad list element, a bad job", { name: "p", jobs: { a: { steps: [{ name: "x" }], depends_on: ["b", 7] }, b: 3, c: { steps: [] } } }],
    ["a retry mapping with a bad field, a bad matrix axis, bad env", { name: "p", jobs: { a: { steps: ["m"], retry: { max: -1 }, matrix: { node: 20 }, environment: { "bad name": "x" } } } }],
    ["a __proto__ key, which the parse drops", { name: "p", global_env: JSON.parse('{"__proto__": "x", "A": "1"}'), jobs: { a: { steps: ["m"], timeout: "never" } } }],
  ])("a first round from the strict parse's issues repairs as the full repair does: %s", (_, input) => {
    expect(firstRound(input)).toEqual(repairAuthoring(input));
  });

  it("reads the schema once when every removal leaves its mapping valid: the untouched values are the document's own", () => {
    const steps = ["make", { script: "test", name: "t" }];
    const input = { name: "p", jobs: { a: { timeout: "forever", steps }, b: { steps: ["x"], scrpit: 1 } } };
    const repaired = firstRound(input);
    expect(repaired).toEqual({ name: "p", jobs: { a: { steps }, b: { steps: ["x"] } } });
    expect(repaired?.jobs["a"]?.steps).toBe(steps);
    expect(input.jobs.a.timeout).toBe("forever"); // the document is not changed
    // A missing required field is confirmed by a parse: the steps come back as the parse's copies.
    const missing = { name: "p", jobs: { a: { steps: [{ name: "x" }], timeout: "forever" } } };
    expect(firstRound(missing)?.jobs["a"]).toEqual({ steps: [{ name: "x", script: "true" }] });
    expect(firstRound(missing)?.jobs["a"]?.steps).not.toBe(missing.jobs.a.steps);
  });
});

describe("nestingPastLimit", () => {
  it("counts flow brackets outside quotes and comments, and compact dashes", () => {
    expect(nestingPastLimit("a: [[[x]]]", 3)).toBe(-1);
    expect(nestingPastLimit("a: [[[[x]]]]", 3)).toBe(6);
    expect(nestingPastLimit('a: "[[[[[["\nb: \'{{{{\' # [[[[[', 3)).toBe(-1);
    expect(nestingPastLimit("- - - - x", 3)).toBe(6);
    expect(nestingPastLimit("- a\n- b\n- c\n- d\n", 3)).toBe(-1);
  });
});
