import { readFileSync } from "node:fs";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import { PlanSchema, type Plan } from "../../../runtime/plan/schema.ts";
import { at, FILE, yaml } from "./helpers.ts";

/** A full canonical plan: the example pipeline with every default written out. */
function examplePlan(): Plan {
  const file = "examples/yaml-pipeline.yaml";
  const { draft } = loadYamlPipeline(readFileSync(file, "utf8"), file);
  return PlanSchema.parse(draft?.plan);
}

describe("the canonical plan dialect", () => {
  it.each([
    ["YAML", (plan: Plan) => YAML.stringify(plan)],
    ["JSON", (plan: Plan) => JSON.stringify(plan, null, 2)],
  ])("gives the same plan back from %s", (_, write) => {
    const plan = examplePlan();
    const { draft, diagnostics } = loadYamlPipeline(write(plan), FILE);
    expect(diagnostics).toEqual([]);
    expect(draft?.plan).toEqual(plan);
  });

  it("drops the digest, which is recomputed", () => {
    const plan = { ...examplePlan(), digest: `sha256:${"0".repeat(64)}` };
    const { draft } = loadYamlPipeline(YAML.stringify(plan), FILE);
    expect(draft?.plan).not.toHaveProperty("digest");
  });

  it("passes through what it does not check, for the plan validator to report", () => {
    const { draft, diagnostics } = loadYamlPipeline(yaml`
      apiVersion: pipec/v1
      name: p
      jobs:
        a: { image: x, needs: [ghost], timeoutMs: -1, extra: true }
    `, FILE);
    expect(diagnostics).toEqual([]);
    expect(draft?.plan).toEqual({ apiVersion: "pipec/v1", name: "p", jobs: { a: { image: "x", needs: ["ghost"], timeoutMs: -1, extra: true } } });
  });

  it("locates every node by its own path", () => {
    const { draft } = loadYamlPipeline(yaml`
      apiVersion: pipec/v1
      kind: Plan
      name: p
      jobs:
        build:
          image: node
          needs:
            - lint
            - fmt
          steps:
            - name: make
              run: make all
    `, FILE);
    expect(draft?.locate(["name"])).toEqual(at(3, 7));
    expect(draft?.locate(["jobs", "build"])).toEqual(at(6, 5));
    expect(draft?.locate(["jobs", "build", "needs", 1])).toEqual(at(9, 9));
    expect(draft?.locate(["jobs", "build", "steps", 0, "run"])).toEqual(at(12, 14));
    expect(draft?.locate(["jobs", "build", "steps", 0, "timeoutMs"])).toEqual(at(11, 9));
    expect(draft?.locate(["vars"])).toEqual(at(1, 1));
  });

  it("keeps the sources recorded in the plan, which point at the original author's file", () => {
    const plan = examplePlan();
    const { draft } = loadYamlPipeline(YAML.stringify(plan), "plan.yaml");
    expect(draft?.plan.jobs["build"]?.source).toEqual({ file: "examples/yaml-pipeline.yaml", line: 34, column: 3 });
  });
});
