import { describe, expect, it } from "vitest";
import { PlanSchema, type PlanInput } from "../../../runtime/plan/schema.ts";
import { SCHEDULER_ERROR_CODES, SchedulerError, createScheduler, criticalPath, schedulerJobsFromPlan } from "../../../runtime/scheduler/index.ts";
import { job, options } from "./driver.ts";

const nodes = (spec: Record<string, string[]>) => Object.entries(spec).map(([id, needs]) => ({ id, needs }));

function thrown(fn: () => unknown): SchedulerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SchedulerError) return error;
    throw error;
  }
  throw new Error("expected a SchedulerError");
}

describe("criticalPath", () => {
  it("finds the longest chain and its total", () => {
    const graph = nodes({ a: [], b: ["a"], c: ["a"], d: ["b", "c"], lone: [] });
    expect(criticalPath(graph, { a: 5, b: 30, c: 7, d: 4, lone: 20 })).toEqual({ path: ["a", "b", "d"], totalMs: 39 });
    expect(criticalPath(graph, { a: 5, b: 1, c: 7, d: 4, lone: 20 })).toEqual({ path: ["lone"], totalMs: 20 });
  });

  it("counts missing durations as 0 and breaks ties by id", () => {
    expect(criticalPath(nodes({ x: [], y: [], z: ["x", "y"] }), { z: 3 })).toEqual({ path: ["x", "z"], totalMs: 3 });
    expect(criticalPath([], {})).toEqual({ path: [], totalMs: 0 });
  });
});

describe("graph validation", () => {
  it.each([
    [nodes({ a: [], b: ["c"] }), SCHEDULER_ERROR_CODES.unknownNeed, 'job "b" needs "c", which is not in the plan'],
    [[...nodes({ a: [] }), ...nodes({ a: [] })], SCHEDULER_ERROR_CODES.duplicateJob, 'job "a" is listed twice'],
    [nodes({ a: ["c"], b: ["a"], c: ["b"] }), SCHEDULER_ERROR_CODES.cycle, "jobs form a cycle: a -> b -> c -> a"],
    [nodes({ a: ["a"] }), SCHEDULER_ERROR_CODES.cycle, "jobs form a cycle: a -> a"],
  ])("rejects %j", (graph, code, message) => {
    const error = thrown(() => criticalPath(graph, {}));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it("rejects bad options", () => {
    expect(thrown(() => createScheduler([job("a")], options({ concurrency: 0 }))).code).toBe(SCHEDULER_ERROR_CODES.invalidOption);
    expect(thrown(() => createScheduler([job("a")], options({ concurrency: 1.5 }))).code).toBe(SCHEDULER_ERROR_CODES.invalidOption);
    expect(thrown(() => createScheduler([job("a")], options({ pipelineTimeoutMs: -1 }))).code).toBe(SCHEDULER_ERROR_CODES.invalidOption);
  });
});

describe("schedulerJobsFromPlan", () => {
  const plan = (jobs: PlanInput["jobs"]) => PlanSchema.parse({ name: "ci", jobs });

  it("parses conditions (bare or wrapped) and takes needs, inputs, retry, timeout and matrix from the plan", () => {
    const jobs = schedulerJobsFromPlan(
      plan({
        build: { name: "build", image: "node:20", outputs: { dist: { paths: ["dist"] } } },
        test: {
          name: "test",
          image: "node:20",
          matrix: { node: 20 },
          inputs: [{ job: "build", output: "dist" }],
          if: "${{ always() }}",
          allowFailure: true,
          timeoutMs: 5000,
          retry: { max: 2, on: ["timeout"] },
        },
      }),
    );
    expect(jobs.map((j) => j.id)).toEqual(["build", "test"]);
    expect(jobs[0]).toMatchObject({ needs: [], condition: { kind: "call", name: "success", args: [] }, allowFailure: false, timeoutMs: 3_600_000, matrix: {} });
    expect(jobs[1]).toMatchObject({
      needs: ["build"],
      condition: { kind: "call", name: "always", args: [] },
      allowFailure: true,
      timeoutMs: 5000,
      matrix: { node: 20 },
      retry: { max: 2, on: ["timeout"], exitCodes: [], backoff: { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: true } },
    });
  });

  it("throws on a condition that does not parse, naming the job", () => {
    const error = thrown(() => schedulerJobsFromPlan(plan({ a: { name: "a", image: "x", if: "success(" } })));
    expect(error.code).toBe(SCHEDULER_ERROR_CODES.invalidCondition);
    expect(error.job).toBe("a");
    expect(error.message).toMatch(/^job "a" has an invalid condition "success\(": /);
  });
});

describe("a 10,000-job chain (where @dagrejs/graphlib's recursive topsort overflowed the stack)", () => {
  it("is ordered, weighed and scheduled without recursion", () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => job(`j${i}`, i === 0 ? [] : [`j${i - 1}`]));
    const state = createScheduler(chain, options());
    expect(Object.keys(state.jobs)).toHaveLength(10_000);
    const path = criticalPath(chain, Object.fromEntries(chain.map((j) => [j.id, 1])));
    expect(path.path).toHaveLength(10_000);
    expect(path.path[0]).toBe("j0");
    expect(path.totalMs).toBe(10_000);
  });
});
