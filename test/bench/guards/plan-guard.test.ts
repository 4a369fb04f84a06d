import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDag, renderYaml, type Dag } from "../../../bench/generate.ts";
import { guardPlan } from "../../../bench/guards/plan-guard.ts";
import { runPipec } from "../../cli/run-pipec.ts";

describe("guardPlan on hand-written plans", () => {
  const plan = { jobs: { a: { needs: [] }, b: { needs: ["a"] }, c: { needs: ["a", "b"] } } };

  it("the expected jobs and edges are valid", () => {
    expect(guardPlan(plan, { jobs: 3, edges: 3 })).toEqual({ valid: true });
    expect(guardPlan(plan, { jobs: 3 })).toEqual({ valid: true });
  });

  it.each([
    { what: "a job short", value: plan, expected: { jobs: 4, edges: 3 }, reason: "the plan has 3 jobs; the pipeline has 4" },
    { what: "an edge lost", value: plan, expected: { jobs: 3, edges: 4 }, reason: "the plan has 3 needs edges; the pipeline has 4" },
    { what: "no plan at all", value: null, expected: { jobs: 3 }, reason: "the plan has 0 jobs; the pipeline has 3" },
  ])("INVALID: $what", ({ value, expected, reason }) => {
    expect(guardPlan(value, expected)).toEqual({ valid: false, reason });
  });
});

/** Real measurements: plans `pipec build` wrote for a generated DAG, and for the same DAG with its last job cut off. */
describe("guardPlan on plans the real compiler wrote", () => {
  let dir: string;
  const dag = generateDag(30, 1);
  const build = (file: string, source: string): unknown => {
    writeFileSync(join(dir, file), source);
    const result = runPipec(["build", file, "-o", `${file}.json`, "--format", "json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(readFileSync(join(dir, `${file}.json`), "utf8"));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-plan-guard-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the whole DAG's plan is valid; a plan with a job short is INVALID", () => {
    expect(guardPlan(build("whole.pipeline.yaml", renderYaml(dag)), { jobs: dag.jobs.length, edges: dag.edges })).toEqual({ valid: true });
    const short: Dag = { ...dag, jobs: dag.jobs.slice(0, -1) };
    expect(guardPlan(build("short.pipeline.yaml", renderYaml(short)), { jobs: dag.jobs.length, edges: dag.edges })).toEqual({
      valid: false,
      reason: `the plan has ${dag.jobs.length - 1} jobs; the pipeline has ${dag.jobs.length}`,
    });
  });
});
