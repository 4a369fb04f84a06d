/** A TypeScript pipeline and the same pipeline in YAML give the same plan, up to source locations. */
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileFile } from "../../compiler/index.ts";
import type { Plan } from "../../runtime/plan/schema.ts";
import { planDigest } from "../../compiler/canonical.ts";

const DIR = join(import.meta.dirname, "..", "fixtures", "equivalent");

function withoutSources(plan: Plan): Plan {
  const jobs = Object.fromEntries(
    Object.entries(plan.jobs).map(([id, job]) => [id, { ...job, source: null, steps: job.steps.map((s) => ({ ...s, source: null })) }]),
  );
  const stripped = { ...plan, source: null, jobs, digest: undefined };
  return { ...stripped, digest: planDigest(stripped) };
}

it("compiles ci.pipeline.ts and pipeline.yaml to the same plan", async () => {
  const ts = await compileFile(join(DIR, "ci.pipeline.ts"), { cacheDir: null });
  const yaml = await compileFile(join(DIR, "pipeline.yaml"), { cacheDir: null });
  expect(ts.diagnostics).toEqual([]);
  expect(yaml.diagnostics).toEqual([]);
  expect(Object.keys(ts.plan!.jobs).sort()).toEqual(["build", "publish", "test-node-20", "test-node-22"]);
  expect(ts.plan!.jobs["test-node-20"]!.inputs).toEqual([
    { job: "build", output: "dist", optional: false },
    { job: "build", output: "docs", optional: true },
  ]);
  expect(withoutSources(yaml.plan!)).toEqual(withoutSources(ts.plan!));
});
