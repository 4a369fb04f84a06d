/** Which runs retention removes: a pure function of the runs, the policy and the time. */
import { describe, expect, it } from "vitest";
import { planRunRetention, type RunFacts } from "../../../runtime/retention/index.ts";

const DAY = 86_400_000;
const NOW = 100 * DAY;
const run = (id: string, daysAgo: number, extra: Partial<RunFacts> = {}): RunFacts => ({ id, pipeline: "web", startedAt: NOW - daysAgo * DAY, live: false, pinned: false, deployment: null, logsFrom: [], ...extra });

describe("planRunRetention", () => {
  it("keeps the newest N runs of each pipeline", () => {
    const runs = [run("r1", 3), run("r2", 2), run("r3", 1), run("o1", 5, { pipeline: "other" })];
    expect(planRunRetention(runs, { keep: 2 }, NOW).remove).toEqual([{ id: "r1", reason: "not among the last 2 runs of pipeline web" }]);
  });

  it("removes runs older than the max age", () => {
    expect(planRunRetention([run("r1", 40), run("r2", 1)], { maxAgeMs: 30 * DAY }, NOW).remove).toEqual([{ id: "r1", reason: "started 40d ago (max age 30d)" }]);
  });

  it.each([
    ["live", { live: true }, "it is running"],
    ["pinned", { pinned: true }, "it is pinned (pipec runs pin --off to unpin)"],
    ["deployed", { deployment: "newest revision 3 of deployment api" }, "it deployed the newest revision 3 of deployment api"],
  ] as const)("never removes a %s run, and says why", (_what, extra, why) => {
    const plan = planRunRetention([run("r1", 3, extra), run("r2", 1)], { keep: 1 }, NOW);
    expect(plan.remove).toEqual([]);
    expect(plan.protected).toEqual([{ id: "r1", reason: `${why} (else: not among the last 1 runs of pipeline web)` }]);
  });

  it("keeps the runs whose logs a kept run shows for its cached jobs, through chains", () => {
    const runs = [run("ran", 5), run("middle", 4, { logsFrom: ["ran"] }), run("mid2", 3), run("new", 1, { logsFrom: ["middle"] })];
    const plan = planRunRetention(runs, { keep: 1 }, NOW);
    expect(plan.remove.map((r) => r.id)).toEqual(["mid2"]);
    expect(plan.protected.map((r) => r.id).sort()).toEqual(["middle", "ran"]);
  });

  it("removes exactly the runs named by runs rm, unless protected", () => {
    const plan = planRunRetention([run("r1", 3), run("r2", 2, { live: true }), run("r3", 1)], { only: ["r1", "r2", "gone"] }, NOW);
    expect(plan.remove).toEqual([{ id: "r1", reason: "removed by pipec runs rm" }]);
    expect(plan.protected.map((r) => r.id)).toEqual(["r2"]);
  });
});
