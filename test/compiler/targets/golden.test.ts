/**
 * Every example and every fixture that compiles, emitted for each target: the result is compared
 * with its golden file under test/fixtures/target-outputs/<case>/ (`github.yml`, `gitlab-ci.yml`,
 * `argo/<file>`, `<target>-diagnostics.json`), and every emitted file is checked by the engine's own
 * tools: GitHub's workflow parser and actionlint for workflows, gitlab-ci-local's validation (GitLab's
 * ci.json and needs) for GitLab files (Argo's schemas: argo.test.ts). No findings are allowed.
 * `PIPEC_UPDATE_GOLDEN=1 npx vitest run test/compiler/targets/golden.test.ts` rewrites the goldens.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../../compiler/index.ts";
import { emitTarget, TARGET_NAMES, TargetProfileSchema, type TargetName } from "../../../compiler/targets/index.ts";
import type { Plan } from "../../../runtime/plan/schema.ts";
import { ARGO_PROFILE } from "./argo-profile.ts";
import { actionlintFindings, workflowParserErrors } from "./engine-validators.ts";
import { ensureGitlabCiLocal, gitlabCiLocal, gitRepo } from "./gitlab-ci-local.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures");
const GOLDEN = join(FIXTURES, "target-outputs");
const update = process.env.PIPEC_UPDATE_GOLDEN === "1";
const required = process.env.CI !== undefined || process.env.PIPEC_REQUIRE_DOCKER === "1";
const INPUTS = ["ci.pipeline.ts", "pipeline.yaml", "plan.yaml"];

const examples = readdirSync(join(ROOT, "examples"))
  .filter((f) => /\.(pipeline\.ts|ya?ml)$/.test(f))
  .map((f) => ({ name: `example-${f.replace(/\.(pipeline\.ts|ya?ml)$/, "")}`, file: join(ROOT, "examples", f) }));
const fixtures = readdirSync(FIXTURES)
  .filter((dir) => dir.startsWith("targets-") || existsSync(join(FIXTURES, dir, "expected-plan.yaml")))
  .flatMap((dir) => {
    const input = INPUTS.find((file) => existsSync(join(FIXTURES, dir, file)));
    return input ? [{ name: dir, file: join(FIXTURES, dir, input) }] : [];
  });
const cases = [...examples, ...fixtures];
const profile = TargetProfileSchema.parse({});

const plans = new Map<string, Plan>();

function emit(name: string, target: TargetName) {
  const plan = plans.get(name)!;
  return emitTarget(plan, target, { profile: target === "argo" ? ARGO_PROFILE : profile, pipecVersion: "0.0.0-test" });
}

/** The emitted file of a case, or null when the target refuses the plan. */
function emitted(name: string, target: TargetName): string | null {
  return emit(name, target).files[0]?.content ?? null;
}

beforeAll(async () => {
  for (const { name, file } of cases) {
    const result = await compileFile(file, { cacheDir: null });
    if (!result.plan) throw new Error(`${file} does not compile`);
    plans.set(name, result.plan);
  }
}, 120_000);

describe("targets: golden files", () => {
  it("covers the examples and the target fixtures", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(["targets-script-only", "targets-traps", "ts-hello"]));
  });

  const table = cases.flatMap(({ name }) => TARGET_NAMES.map((target) => ({ name, target })));
  it.each(table)("$name -> $target", ({ name, target }) => {
    const result = emit(name, target);
    const again = emit(name, target);
    expect(again).toEqual(result);
    const dir = join(GOLDEN, name);
    const diagnostics = result.diagnostics.map(({ code, severity, location, message }) => ({ code, severity, location, message }));
    // GitHub and GitLab write one file; Argo a folder of them, kept under argo/.
    const files = target === "argo" ? result.files.map((file) => ({ golden: join("argo", file.path), content: file.content })) : result.files.map((file) => ({ golden: target === "github" ? "github.yml" : "gitlab-ci.yml", content: file.content }));
    const existing = () => [target === "github" ? "github.yml" : "gitlab-ci.yml", ...(existsSync(join(dir, "argo")) ? readdirSync(join(dir, "argo")).map((f) => join("argo", f)) : [])].filter((f) => (target === "argo") === f.startsWith("argo") && existsSync(join(dir, f)));
    if (update) {
      mkdirSync(join(dir, "argo"), { recursive: true });
      writeFileSync(join(dir, `${target}-diagnostics.json`), `${JSON.stringify(diagnostics, null, 2)}\n`);
      for (const stale of existing()) rmSync(join(dir, stale), { force: true });
      for (const file of files) writeFileSync(join(dir, file.golden), file.content);
      if (readdirSync(join(dir, "argo")).length === 0) rmSync(join(dir, "argo"), { recursive: true });
    }
    expect(diagnostics).toEqual(JSON.parse(readFileSync(join(dir, `${target}-diagnostics.json`), "utf8")));
    if (result.files.length === 0) expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(existing().sort()).toEqual(files.map((f) => f.golden).sort());
    for (const file of files) expect(file.content).toBe(readFileSync(join(dir, file.golden), "utf8"));
  });
});

describe("targets: GitHub's parser and actionlint accept every emitted workflow", () => {
  it("emits some workflows", () => expect(cases.filter((c) => emitted(c.name, "github") !== null).length).toBeGreaterThanOrEqual(5));

  it("rejects a broken workflow (the validators can fail)", async () => {
    const broken = "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [nope]\n    if: ${{ env.X == 'y' }}\n    steps:\n      - run: echo\n";
    expect(await workflowParserErrors("broken.yml", broken)).not.toEqual([]);
    expect(await actionlintFindings("broken.yml", broken)).not.toEqual([]);
  });

  it.each(cases.map((c) => c.name))("%s", async (name) => {
    const workflow = emitted(name, "github");
    if (workflow === null) return expect(emit(name, "github").diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(await workflowParserErrors(`${name}.yml`, workflow)).toEqual([]);
    expect(await actionlintFindings(`${name}.yml`, workflow)).toEqual([]);
  });
});

describe("targets: gitlab-ci-local validates every emitted .gitlab-ci.yml", () => {
  let bin: string | null = null;
  let reason = "";
  const repos: string[] = [];
  beforeAll(() => {
    const found = ensureGitlabCiLocal();
    if ("bin" in found) bin = found.bin;
    else reason = found.reason;
  }, 600_000);
  afterAll(() => {
    for (const dir of repos) rmSync(dir, { recursive: true, force: true });
  });

  it.for(["targets-traps", ...cases.map((c) => c.name).filter((n) => n !== "targets-traps")])("%s", { timeout: 120_000 }, async (name, context) => {
    if (bin === null) {
      if (required) throw new Error(`gitlab-ci-local is required under CI: ${reason}`);
      return context.skip(`gitlab-ci-local unavailable: ${reason}`);
    }
    const file = emitted(name, "gitlab");
    if (file === null) return expect(emit(name, "gitlab").diagnostics.some((d) => d.severity === "error")).toBe(true);
    const repo = await gitRepo(file);
    repos.push(repo);
    const listed = gitlabCiLocal(bin, repo, ["--list-json"]);
    expect(listed.code, listed.output).toBe(0);
    const jobs = JSON.parse(listed.stdout) as { name: string }[];
    expect(jobs.map((job) => job.name).sort()).toEqual(Object.keys(plans.get(name)!.jobs).map((id) => (id === "image" ? "image-job" : id)).sort());
  });

  it("rejects a broken file (the validator can fail)", async (context) => {
    if (bin === null) return context.skip(`gitlab-ci-local unavailable: ${reason}`);
    const repo = await gitRepo("a:\n  script: [echo]\n  needs: [nope]\n  retry: { max: 3 }\n");
    repos.push(repo);
    expect(gitlabCiLocal(bin, repo, ["--list-json"]).code).not.toBe(0);
  });
});
