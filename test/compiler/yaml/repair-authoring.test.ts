import { describe, expect, it } from "vitest";
import { REPAIRED_HOLE } from "../../../compiler/yaml/authoring-schema.ts";
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
