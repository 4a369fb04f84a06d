import { describe, expect, it } from "vitest";
import type { PlanInput } from "../../runtime/plan/schema.ts";
import type { PlanPath } from "../../compiler/draft.ts";
import { labelPath } from "../../compiler/label.ts";
import { dslSpeller } from "../../compiler/typescript/spell-fields.ts";

const plan = {
  name: "p",
  env: { X: "1" },
  jobs: {
    build: { name: "build", image: "node:22", retry: { max: 99 }, resources: { memoryBytes: 0 }, steps: [{ name: "install", run: "npm ci" }, { name: "test", run: "npm test", retry: { max: 2, on: ["timeout"] } }] },
    web: {
      name: "web",
      steps: [],
      deploy: { strategy: "canary", steps: [{ kind: "setWeight", weight: 20 }, { kind: "pause", durationMs: 0 }, { kind: "approval", name: "qa" }], healthCheck: { intervalMs: 0 } },
    },
  },
} as unknown as PlanInput;

describe("labelPath", () => {
  it.each([
    [[], "pipeline"],
    [["env", "X"], "pipeline: env.X"],
    [["jobs", "build"], 'job "build"'],
    [["jobs", "build", "retry", "max"], 'job "build": retry.max'],
    [["jobs", "build", "steps", 1, "env", "FOO"], 'job "build": step 2 ("test"): env.FOO'],
    [["jobs", "build", "steps", 7, "run"], 'job "build": step 8: run'],
    [["jobs", "web", "deploy", "steps", 0, "weight"], 'deployment "web": steps[0].weight'],
    [["jobs", "my job", "outputs", "my dist", "paths", 0], 'job "my job": outputs["my dist"].paths[0]'],
  ] as [PlanPath, string][])("labels %j in plan terms", (path, label) => {
    expect(labelPath(plan, path)).toBe(label);
  });
});

describe("dslSpeller (TypeScript)", () => {
  it.each([
    [["jobs", "build", "retry", "max"], 'job "build": retry', "retry: 99 (only max)"],
    [["jobs", "build", "steps", 1, "retry", "max"], 'job "build": step 2 ("test"): retry.max', "a retry object with more options"],
    [["jobs", "build", "timeoutMs"], 'job "build": timeout', "durations lose Ms"],
    [["jobs", "build", "resources", "memoryBytes"], 'job "build": resources.memory', "memory in bytes"],
    [["jobs", "web", "deploy", "steps", 0, "weight"], 'deployment "web": steps[0].setWeight', "setWeight"],
    [["jobs", "web", "deploy", "steps", 1, "durationMs"], 'deployment "web": steps[1].pause.duration', "pause"],
    [["jobs", "web", "deploy", "steps", 2, "name"], 'deployment "web": steps[2].approval.name', "approval"],
    [["jobs", "web", "deploy", "healthCheck", "intervalMs"], 'deployment "web": healthCheck.interval', "deployment options beside the job's"],
    [["env", "X"], "pipeline: env.X", "pipeline env"],
  ] as [PlanPath, string, string][])("labels %j as %s (%s)", (path, label) => {
    expect(labelPath(plan, path, dslSpeller(plan))).toBe(label);
  });
});
