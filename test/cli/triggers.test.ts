/**
 * End to end: on: triggers with the real binary on a git repository made here. `pipec run` stands for
 * a push to the current branch unless --event says otherwise; a pipeline whose triggers do not take
 * the event is not run (exit 0, saying why, no run recorded). A cron that does not parse is a compile
 * error at its line with the same code in TypeScript and YAML.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noStackTrace, runPipec } from "./run-pipec.ts";

const projects: string[] = [];
afterAll(() => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function project(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "pipec-triggers-"));
  projects.push(dir);
  const write = (name: string, text: string) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "first");
  return { dir, git, write };
}

const TS = `import { job, pipeline } from "pipec";
const build = job("build", { image: "unused", steps: ["echo built"] });
export default pipeline("triggered", {
  jobs: [build],
  on: { push: { branches: ["main", "release/*"], paths: ["src/**"] }, tag: "v*", schedule: "0 3 * * 1-5" },
});
`;

const run = (dir: string, ...args: string[]) => runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--no-typecheck", ...args], { cwd: dir });

describe("triggers", { timeout: 180_000 }, () => {
  it("run on a push to a listed branch that changed a listed path, and say why not otherwise, running nothing", () => {
    const { dir, git, write } = project({ "ci.pipeline.ts": TS, ".gitignore": ".pipec/\n", "src/app.txt": "v1\n", "docs/readme.md": "docs\n" });

    // On main, the last commit changed src/ (the first commit: every file is new).
    const onMain = run(dir);
    expect(onMain.stderr).not.toContain("not running");
    expect(onMain.code).toBe(0);
    expect(onMain.stdout).toContain("[build] built");

    git("checkout", "-q", "-b", "feature");
    write("src/app.txt", "v2\n");
    git("commit", "-q", "-am", "v2");
    const feature = run(dir);
    expect(feature.code).toBe(0);
    expect(feature.stdout).toBe("");
    expect(feature.stderr).toBe('pipec: not running triggered: a push to branch "feature": on.push.branches is "main", "release/*"; nothing ran (--event chooses the event)\n');

    git("checkout", "-q", "-b", "release/1.0");
    const release = run(dir, "--json");
    expect(release.code).toBe(0);
    expect(release.stdout).toContain('"type":"run.started"');

    // A change outside src/ only: the paths filter does not take it (compared with the merge base with main).
    git("checkout", "-q", "main");
    git("merge", "-q", "--ff-only", "feature");
    git("checkout", "-q", "-b", "release/2.0");
    write("docs/readme.md", "docs v2\n");
    git("commit", "-q", "-am", "docs");
    const docsOnly = run(dir, "--json");
    expect(docsOnly.code).toBe(0);
    const skipped = JSON.parse(docsOnly.stdout.trim()) as Record<string, unknown>;
    expect(skipped).toMatchObject({ type: "run.skipped", pipeline: "triggered", event: "push" });
    expect(String(skipped.reason)).toMatch(/^a push to branch "release\/2\.0": no file changed since main \(merge base [0-9a-f]{7}\) matches on\.push\.paths "src\/\*\*"$/);
  });

  it("take --event tag when a matching tag is at HEAD, --event schedule, and refuse events the pipeline does not list", () => {
    const { dir, git } = project({ "ci.pipeline.ts": TS, ".gitignore": ".pipec/\n", "src/app.txt": "v1\n" });
    const untagged = run(dir, "--event", "tag");
    expect(untagged.code).toBe(0);
    expect(untagged.stderr).toContain('not running triggered: a tag: no tag points at HEAD (on.tag is "v*"); tag the commit, then run again');
    git("tag", "build-7");
    expect(run(dir, "--event", "tag").stderr).toContain('not running triggered: tag "build-7": on.tag is "v*"');
    git("tag", "-d", "build-7");
    git("tag", "v1.0.0");
    const tagged = run(dir, "--event", "tag");
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toContain("[build] built");
    expect(run(dir, "--event", "schedule", "--no-cache").stdout).toContain("[build] built");
    const pr = run(dir, "--event", "pull_request");
    expect(pr.code).toBe(0);
    expect(pr.stderr).toContain('not running triggered: a pull request into "main": the pipeline\'s on: has no pullRequest trigger (it runs on push to "main", "release/*", tag "v*", schedule)');
    const bad = run(dir, "--event", "merge");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--event");
    noStackTrace(bad.stderr);
  });

  it("run a pipeline without on: for every event", () => {
    const { dir } = project({ "ci.pipeline.ts": TS.replace(/\n {2}on: .*\n/, "\n"), "src/app.txt": "v1\n" });
    expect(run(dir, "--event", "pull_request").stdout).toContain("[build] built");
  });

  it("refuse a cron that does not parse at its line, with one code in TypeScript and YAML", () => {
    const { dir } = project({
      "ci.pipeline.ts": TS.replace("0 3 * * 1-5", "0 3 * * 8"),
      "pipeline.yaml": "name: triggered\non:\n  push: { branches: [main] }\n  schedule:\n    - 0 3 * * *\n    - every day\njobs:\n  build:\n    image: unused\n    steps: [echo built]\n",
    });
    const ts = runPipec(["build", "ci.pipeline.ts", "--no-typecheck"], { cwd: dir });
    expect(ts.code).toBe(2);
    expect(ts.stderr).toMatch(/^ci\.pipeline\.ts:5:\d+: error\[invalid-cron\]: pipeline: on\.schedule\[0\]: "0 3 \* \* 8" is not a cron expression: day of week "8": 8 is outside 0-7$/m);
    const yaml = runPipec(["build", "pipeline.yaml"], { cwd: dir });
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/^pipeline\.yaml:6:7: error\[invalid-cron\]: pipeline: on\.schedule\[1\]: "every day" is not a cron expression: expected 5 fields/m);
    expect(existsSync(join(dir, ".pipec", "runs"))).toBe(false);
    noStackTrace(ts.stderr + yaml.stderr);
  });
});
