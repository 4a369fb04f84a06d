/**
 * `pipec import` as users run it (the real binary): a GitLab file with an include becomes a
 * ci.pipeline.ts that `pipec build` accepts as written, TODOs are listed with their source lines, and
 * bad input (not YAML, not a pipeline, a remote include, a file over 10 MB, a folder) exits 2 with a
 * message and writes nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPipec } from "./run-pipec.ts";

const dir = mkdtempSync(join(tmpdir(), "pipec-import-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GITLAB = `include: ci/common.yml
stages: [build, test]
variables:
  NODE_ENV: test
  DEPLOY:
    value: "no"
    description: deploy after the tests
build:
  extends: .node
  stage: build
  script: [npm ci, npm run build]
  artifacts:
    paths: [dist/]
    expire_in: 1 week
test:
  extends: .node
  script: npm test
  retry: 2
  timeout: 30 minutes
  rules:
    - if: $CI_COMMIT_BRANCH == "main" && $DEPLOY == "yes"
      changes: [src/**]
report:
  stage: test
  image: busybox:1.36
  when: always
  script: echo done
  resource_group: prod
`;

describe("pipec import", () => {
  it("writes a typed pipeline that pipec build accepts, and lists the TODOs with their lines", () => {
    const project = join(dir, "ok");
    mkdirSync(join(project, "ci"), { recursive: true });
    writeFileSync(join(project, ".gitlab-ci.yml"), GITLAB);
    writeFileSync(join(project, "ci", "common.yml"), ".node:\n  image: node:20\n");
    const imported = runPipec(["import", ".gitlab-ci.yml", "-o", "ci.pipeline.ts"], { cwd: project });
    expect(imported.stderr).toContain("wrote ci.pipeline.ts: 3 jobs from GitLab CI, 2 TODOs");
    expect(imported.stderr).toMatch(/\.gitlab-ci\.yml:21:\d+: warning\[target-unsupported\]: rules:changes/);
    expect(imported.stderr).toMatch(/\.gitlab-ci\.yml:28:\d+: warning\[target-unsupported\]: resource_group/);
    expect(imported.code).toBe(0);
    const text = readFileSync(join(project, "ci.pipeline.ts"), "utf8");
    expect(text).toContain('const build = job("build", {');
    // GitLab runs a job whether or not the artifacts it downloads are there: the input is optional.
    expect(text).toContain("inputs: [input(build.outputs.artifacts, { optional: true })],");
    expect(text).toContain('import { input, job, output, pipeline, step, when } from "pipec";');
    expect(imported.stderr).not.toContain("artifacts it downloads");
    expect(text).toContain('if: when.and(when.branch("main"), when.eq(when.vars("DEPLOY"), "yes")),');
    expect(text).toContain("// TODO(.gitlab-ci.yml:28): resource_group");
    expect(text).toContain('DEPLOY: { default: "no", description: "deploy after the tests" },');
    const built = runPipec(["build", "ci.pipeline.ts"], { cwd: project });
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    expect(built.stdout).toContain("expireInMs: 604800000");
    expect(built.stdout).toMatch(/- job: build\n\s+optional: true\n\s+output: artifacts/);
  }, 120_000);

  it("prints to stdout without -o, and writes YAML with --format yaml", () => {
    const project = join(dir, "stdout");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "wf.yml"), "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with: { node-version: 20 }\n      - run: npm test\n      - uses: some/deploy@v1\n");
    const ts = runPipec(["import", "wf.yml"], { cwd: project });
    expect(ts.code).toBe(0);
    expect(ts.stdout).toContain('image: "node:20",');
    expect(ts.stdout).toContain('step("TODO uses: some/deploy@v1"');
    expect(ts.stderr).toMatch(/wf\.yml:10:\d+: warning\[target-unsupported\]: uses: some\/deploy@v1/);
    const yaml = runPipec(["import", "wf.yml", "--format", "yaml"], { cwd: project });
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain("image: node:20");
    expect(existsSync(join(project, "ci.pipeline.ts"))).toBe(false);
  }, 60_000);

  const bad: [string, (path: string) => void, RegExp][] = [
    ["not YAML", (p) => writeFileSync(p, "jobs: [\n"), /not YAML/],
    ["not a pipeline", (p) => writeFileSync(p, "- just\n- a list\n"), /not a GitLab CI file/],
    ["a remote include", (p) => writeFileSync(p, "include: https://example.com/ci.yml\njob:\n  script: echo\n"), /include https:\/\/example\.com\/ci\.yml is remote/],
    ["a template include", (p) => writeFileSync(p, "include:\n  - template: Auto-DevOps.gitlab-ci.yml\n"), /include of kind "template"/],
    ["a file over 10 MB", (p) => { writeFileSync(p, ""); truncateSync(p, 11 * 1024 * 1024); }, /is 11 MB; a CI file is at most 10 MB/],
    ["a folder", (p) => mkdirSync(p), /is a folder/],
    ["dependencies its needs do not name (GitLab refuses it)", (p) => writeFileSync(p, "one:\n  script: echo\ntwo:\n  script: echo\nuse:\n  needs: [one]\n  dependencies: [two]\n  script: echo\n"), /\.gitlab-ci\.yml:7:\d+: error\[schema\]: job "use": dependencies name "two", which its needs do not/],
  ];
  it.each(bad)("refuses %s: exit 2, a message, nothing written", (_, make, message) => {
    const project = mkdtempSync(join(dir, "bad-"));
    const file = join(project, ".gitlab-ci.yml");
    make(file);
    const result = runPipec(["import", ".gitlab-ci.yml", "--from", "gitlab", "-o", "ci.pipeline.ts"], { cwd: project });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("nothing written");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(2);
    expect(existsSync(join(project, "ci.pipeline.ts"))).toBe(false);
  });

  it("an imported github.ref_name is the tag on a tag checkout and the branch on a branch, as on GitHub", () => {
    const project = mkdtempSync(join(dir, "ref-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: project });
    writeFileSync(
      join(project, "wf.yml"),
      ["on: push", "jobs:", "  release:", "    if: github.ref_name == 'v1.2'", "    runs-on: ubuntu-latest", "    env:", "      REF: ${{ github.ref_name }}", "    steps:", '      - run: echo "ref=${{ github.ref_name }} env=$REF"', ""].join("\n"),
    );
    const imported = runPipec(["import", "wf.yml", "-o", "ci.pipeline.ts", "--image", "busybox:1.36"], { cwd: project });
    expect(imported.code, imported.stderr).toBe(0);
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-qm", "one");
    git("tag", "v1.2");
    const run = () => {
      const result = runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--json"], { cwd: project });
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; job?: string; status?: string; text?: string });
      return { status: events.find((e) => e.type === "job.finished")?.status, logs: events.filter((e) => e.type === "job.log").map((e) => e.text) };
    };
    // On main (the commit is tagged too, but GitHub's ref_name on a branch push is the branch).
    expect(run()).toEqual({ status: "skipped", logs: [] });
    git("checkout", "-q", "v1.2");
    expect(run()).toEqual({ status: "success", logs: ["ref=v1.2 env=v1.2"] });
  }, 120_000);

  it("refuses a file that is not of the kind --from names", () => {
    const project = mkdtempSync(join(dir, "kind-"));
    writeFileSync(join(project, "x.yml"), "stages: [build]\nbuild:\n  script: echo\n");
    const result = runPipec(["import", "x.yml", "--from", "github"], { cwd: project });
    expect(result.stderr).toContain("not a GitHub Actions workflow");
    expect(result.code).toBe(2);
  });
});
