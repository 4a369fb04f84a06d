import { describe, expect, it } from "vitest";
import { PlanSchema, type PlanInput } from "../../../runtime/plan/schema.ts";
import { isCacheable } from "../../../runtime/run/job-cache.ts";

const job = (name: string, needs: string[] = []) => ({ name, image: "busybox:1.36", needs, steps: [{ name: "s", run: "true" }] });
const plan = PlanSchema.parse({
  apiVersion: "pipec/v1",
  name: "p",
  jobs: { build: job("build"), web: job("web", ["build"]), smoke: job("smoke", ["web"]), report: job("report", ["smoke"]), lint: job("lint", ["build"]) },
} as unknown as PlanInput);
// Only whether a job deploys matters here: the deployment's own fields are not read.
(plan.jobs.web as { deploy: unknown }).deploy = { strategy: "canary" };

describe("isCacheable", () => {
  it("never caches a deployment nor a job after one, directly or through others; caches the rest", () => {
    expect(Object.keys(plan.jobs).filter((id) => isCacheable(plan, id))).toEqual(["build", "lint"]);
  });
});

describe("isCacheable on a 10,000-job chain", () => {
  const jobs: Record<string, ReturnType<typeof job>> = {};
  for (let i = 0; i < 10_000; i++) jobs[`j${i}`] = job(`j${i}`, i === 0 ? [] : [`j${i - 1}`]);
  const chain = PlanSchema.parse({ apiVersion: "pipec/v1", name: "chain", jobs } as unknown as PlanInput);

  // Asked for every job (as every attempt asks); walking the ancestors per ask is some 50 million steps on this chain.
  it("answers every job, and a deployment halfway makes it and everything after it uncached", { timeout: 120_000 }, () => {
    expect(Object.keys(chain.jobs).every((id) => isCacheable(chain, id))).toBe(true);
    const deployed = PlanSchema.parse({ apiVersion: "pipec/v1", name: "chain", jobs } as unknown as PlanInput);
    (deployed.jobs.j5000 as { deploy: unknown }).deploy = { strategy: "canary" };
    const cached = Object.keys(deployed.jobs).filter((id) => isCacheable(deployed, id));
    expect(cached).toHaveLength(5000);
    expect(cached.at(-1)).toBe("j4999");
  });
});
