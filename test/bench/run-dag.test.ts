import { describe, expect, it } from "vitest";
import { SCHEDULING_JOBS, criticalPath, levels, noopDag, sleepersDag, timedDag, waveTime } from "../../bench/run-dag.ts";

describe("timedDag", () => {
  it("turns job specs into a DAG whose steps sleep, with needs as earlier indexes", () => {
    const dag = timedDag("t", [
      { name: "a", seconds: 0.2 },
      { name: "b", seconds: 1.6, needs: ["a"] },
      { name: "c", seconds: 0.2, needs: ["a", "a"] },
    ]);
    expect(dag.jobs).toEqual([
      { name: "a", needs: [], scripts: ["sleep 0.2"] },
      { name: "b", needs: [0], scripts: ["sleep 1.6"] },
      { name: "c", needs: [0], scripts: ["sleep 0.2"] },
    ]);
    expect(dag.durationsMs).toEqual([200, 1600, 200]);
    expect(dag.edges).toBe(3);
  });

  it.each([
    { specs: [{ name: "a", seconds: 1, needs: ["b"] }, { name: "b", seconds: 1 }], message: /needs "b", which is not listed before it/ },
    { specs: [{ name: "a", seconds: 1 }, { name: "a", seconds: 1 }], message: /listed twice/ },
    { specs: [{ name: "a", seconds: -1 }], message: /sleeps -1 s/ },
  ])("rejects $message", ({ specs, message }) => {
    expect(() => timedDag("t", specs)).toThrow(message);
  });

  it("makes n independent no-op jobs and n independent sleepers", () => {
    const noop = noopDag(3);
    expect(noop).toEqual({ name: "noop-3", edges: 0, jobs: ["j0", "j1", "j2"].map((name) => ({ name, needs: [], scripts: ["true"] })) });
    expect(() => noopDag(0)).toThrow(RangeError);
    const sleepers = sleepersDag(2, 2);
    expect(sleepers.jobs.map((job) => job.scripts)).toEqual([["sleep 2"], ["sleep 2"]]);
    expect(sleepers.durationsMs).toEqual([2000, 2000]);
  });
});

describe("critical path and wave time", () => {
  // The example: a(0.2) -> {b(1.6), c(0.2)}; c -> d(1.2); b,d -> e(0.2).
  const example = timedDag("example", [
    { name: "a", seconds: 0.2 },
    { name: "b", seconds: 1.6, needs: ["a"] },
    { name: "c", seconds: 0.2, needs: ["a"] },
    { name: "d", seconds: 1.2, needs: ["c"] },
    { name: "e", seconds: 0.2, needs: ["b", "d"] },
  ]);

  it("levels are the longest chain of needs above a job", () => {
    expect(levels(example)).toEqual([0, 1, 1, 2, 3]);
    expect(levels(noopDag(4))).toEqual([0, 0, 0, 0]);
  });

  it("the issue's example: critical path a→b→e 2.0 s, waves 0.2 + 1.6 + 1.2 + 0.2 = 3.2 s", () => {
    expect(criticalPath(example, example.durationsMs)).toEqual({ jobs: ["a", "b", "e"], ms: 2000 });
    expect(waveTime(example, example.durationsMs)).toEqual({
      ms: 3200,
      waves: [
        { jobs: ["a"], ms: 200 },
        { jobs: ["b", "c"], ms: 1600 },
        { jobs: ["d"], ms: 1200 },
        { jobs: ["e"], ms: 200 },
      ],
    });
  });

  it("with measured job times, a chain of more containers can become critical", () => {
    const withOverhead = example.durationsMs.map((ms) => ms + 300);
    expect(criticalPath(example, withOverhead)).toEqual({ jobs: ["a", "c", "d", "e"], ms: 3000 });
    expect(waveTime(example, withOverhead).ms).toBe(3200 + 4 * 300);
  });

  it("the benchmark's scheduling DAG: waves take almost twice the critical path, which keeps its slack for container costs", () => {
    const dag = timedDag("schedule", SCHEDULING_JOBS);
    expect(criticalPath(dag, dag.durationsMs)).toEqual({ jobs: ["a", "b", "e"], ms: 6000 });
    expect(waveTime(dag, dag.durationsMs).ms).toBe(11_500);
    expect(waveTime(dag, dag.durationsMs).waves.map((wave) => wave.jobs)).toEqual([["a"], ["b", "c"], ["d", "f"], ["g"], ["e"]]);
    // Up to 0.7 s more per job, a→b→e is still the longest chain.
    expect(criticalPath(dag, dag.durationsMs.map((ms) => ms + 700)).jobs).toEqual(["a", "b", "e"]);
  });

  it("independent jobs: the slowest one, and one wave", () => {
    const dag = timedDag("flat", [
      { name: "x", seconds: 1 },
      { name: "y", seconds: 3 },
    ]);
    expect(criticalPath(dag, dag.durationsMs)).toEqual({ jobs: ["y"], ms: 3000 });
    expect(waveTime(dag, dag.durationsMs).ms).toBe(3000);
  });

  it("rejects durations that do not match the jobs, and needs that point forwards", () => {
    expect(() => criticalPath(example, [1, 2])).toThrow(/2 durations for 5 jobs/);
    const forward = { name: "bad", edges: 1, jobs: [{ name: "a", needs: [1], scripts: [] }, { name: "b", needs: [], scripts: [] }] };
    expect(() => levels(forward)).toThrow(/not before it/);
    expect(criticalPath({ name: "empty", edges: 0, jobs: [] }, [])).toEqual({ jobs: [], ms: 0 });
  });
});
