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
