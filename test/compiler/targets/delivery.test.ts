/**
 * The delivery fixture (manual jobs, triggers, notifications) on its own, so that its emitted files
 * are checked by the engines' validators without compiling every golden case: GitHub's parser and
 * actionlint for the workflow's on: and environments, gitlab-ci-local for workflow: rules and
 * when: manual. The goldens themselves are compared in golden.test.ts.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../../compiler/index.ts";
import { emitTarget, TargetProfileSchema } from "../../../compiler/targets/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";
import { actionlintFindings, workflowParserErrors } from "./engine-validators.ts";
import { ensureGitlabCiLocal, gitlabCiLocal, gitRepo } from "./gitlab-ci-local.ts";

const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "targets-delivery", "ci.pipeline.ts");
const required = process.env.CI !== undefined || process.env.PIPEC_REQUIRE_DOCKER === "1";
let plan: Plan;
const repos: string[] = [];
beforeAll(async () => {
  const result = await compileFile(FIXTURE, { cacheDir: null });
  if (!result.plan) throw new Error("the delivery fixture does not compile");
  plan = result.plan;
}, 120_000);
afterAll(() => repos.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const emit = (target: "github" | "gitlab") => emitTarget(plan, target, { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0-test" });

describe("the delivery fixture in the engines' validators", () => {
  it("GitHub's parser and actionlint accept the workflow: on: with branches, tags, paths and schedule; environments", async () => {
    const content = emit("github").files[0]!.content;
    expect(content).toContain("environment: ship-it");
    expect(await workflowParserErrors("delivery.yml", content)).toEqual([]);
    expect(await actionlintFindings("delivery.yml", content)).toEqual([]);
  });

  it("gitlab-ci-local accepts the workflow: rules and the manual jobs", { timeout: 600_000 }, async (context) => {
    const found = ensureGitlabCiLocal();
    if (!("bin" in found)) {
      if (required) throw new Error(`gitlab-ci-local is required under CI: ${found.reason}`);
      return context.skip(`gitlab-ci-local unavailable: ${found.reason}`);
    }
    const content = emit("gitlab").files[0]!.content;
    expect(content).toContain("when: manual");
    const repo = await gitRepo(content);
    repos.push(repo);
    const listed = gitlabCiLocal(found.bin, repo, ["--list-json"]);
    expect(listed.code, listed.output).toBe(0);
    const jobs = JSON.parse(listed.stdout) as { name: string; when: string }[];
    expect(jobs.map((job) => [job.name, job.when]).sort()).toEqual([["announce", "manual"], ["build", "on_success"], ["release", "manual"]]);
  });
});
