/**
 * End to end: `changed(...)` conditions (TypeScript `when.changed`, YAML `changes:`) with the real
 * binary on real git repositories made here: a feature branch against main, uncommitted and untracked
 * files, `--base`, the last successful run as the base on main, and a repository without commits.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noStackTrace, runPipec } from "./run-pipec.ts";

type Event = Record<string, unknown> & { type: string };
const events = (stdout: string): Event[] => stdout.trim().split("\n").map((line) => JSON.parse(line) as Event);
const finished = (all: Event[]) => Object.fromEntries(all.filter((e) => e.type === "job.finished").map((e) => [e.job as string, e]));

const projects: string[] = [];
afterAll(() => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function project(files: Record<string, string>): { dir: string; git: (...args: string[]) => string; write: (name: string, text: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), "pipec-changed-"));
  projects.push(dir);
  const write = (name: string, text: string) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  return { dir, git, write };
}

const TS_PIPELINE = `import { job, pipeline, when } from "pipec";
const test = job("test", {
  matrix: { service: ["user", "billing"] },
  image: "unused",
  if: ({ matrix }) => when.changed(\`services/\${matrix.service}/**\`, "shared/auth/**"),
  steps: ({ matrix }) => [\`echo testing \${matrix.service}\`],
});
const docs = job("docs", { image: "unused", if: when.changed("docs/**"), steps: ["echo docs"] });
export default pipeline("mono", { jobs: [test, docs] });
`;

const MONOREPO = {
  ".gitignore": ".pipec/\n",
  "ci.pipeline.ts": TS_PIPELINE,
  "services/user/main.txt": "user v1\n",
  "services/billing/main.txt": "billing v1\n",
  "shared/auth/token.txt": "auth v1\n",
  "docs/readme.md": "docs\n",
};

const run = (dir: string, ...args: string[]) => runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--json", ...args], { cwd: dir });

describe("changed paths", { timeout: 120_000 }, () => {
  it("on a feature branch, runs the expansions whose service changed since the merge base with main, and says why the others were skipped", () => {
    const { dir, git, write } = project(MONOREPO);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    const mergeBase = git("rev-parse", "--short=7", "HEAD");
    git("checkout", "-q", "-b", "feature");
    write("services/user/main.txt", "user v2\n");
    git("commit", "-q", "-am", "user v2");
    // main moves on: its own change is not the branch's.
    git("checkout", "-q", "main");
    write("docs/readme.md", "docs v2\n");
    git("commit", "-q", "-am", "docs v2");
    git("checkout", "-q", "feature");

    const result = run(dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const all = events(result.stdout);
    const jobs = finished(all);
    expect(jobs["test-service-user"]?.status).toBe("success");
    expect(jobs["test-service-billing"]?.status).toBe("skipped");
    expect(jobs["test-service-billing"]?.reason).toContain(`compared with main (merge base ${mergeBase}): no changed file matches 'services/billing/**', 'shared/auth/**'`);
    expect(jobs.docs?.status).toBe("skipped");
    expect(all.find((e) => e.type === "run.changes")).toMatchObject({ base: `main (merge base ${mergeBase})`, files: 1 });
    expect(all.find((e) => e.type === "run.commit")).toMatchObject({ sha: git("rev-parse", "HEAD"), branch: "feature" });
  });

  it("counts uncommitted and untracked files, and --base compares with the commit it names", () => {
    const { dir, git, write } = project(MONOREPO);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    git("tag", "v1");
    write("services/billing/main.txt", "billing v2\n");
    git("commit", "-q", "-am", "billing v2");
    write("shared/auth/token.txt", "auth edited, not committed\n");
    write("docs/new-page.md", "untracked\n");

    const jobs = finished(events(run(dir).stdout));
    expect(jobs["test-service-user"]?.status).toBe("success");
    expect(jobs["test-service-billing"]?.status).toBe("success");
    expect(jobs.docs?.status).toBe("success");

    git("add", "-A");
    git("commit", "-q", "-m", "auth and docs");
    const sinceV1 = finished(events(run(dir, "--base", "HEAD~1").stdout));
    expect(sinceV1["test-service-user"]?.status).toBe("success");
    expect(sinceV1["test-service-billing"]?.status).toBe("success");

    write("services/user/main.txt", "user v2\n");
    git("commit", "-q", "-am", "user v2");
    const sinceAuth = finished(events(run(dir, "--base", "HEAD~1").stdout));
    expect(sinceAuth["test-service-user"]?.status).toBe("success");
    expect(sinceAuth["test-service-billing"]?.status).toBe("skipped");
    expect(sinceAuth["test-service-billing"]?.reason).toMatch(/compared with --base HEAD~1 \([0-9a-f]{7}\)/);
  });

  it("on main, compares with the commit of the last successful run: nothing new, nothing runs", () => {
    const { dir, git, write } = project(MONOREPO);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    // The first commit is compared with the empty tree: every file is new.
    const first = events(run(dir).stdout);
    expect(first.find((e) => e.type === "run.changes")?.base).toContain("the empty tree");
    expect(Object.values(finished(first)).map((job) => job.status)).toEqual(["success", "success", "success"]);

    write("services/billing/main.txt", "billing v2\n");
    git("commit", "-q", "-am", "billing v2");
    const second = finished(events(run(dir).stdout));
    expect(second["test-service-billing"]?.status).toBe("success");
    expect(second["test-service-billing"]?.reason ?? null).toBeNull();
    expect(second["test-service-user"]?.reason).toMatch(/compared with the last successful run's commit \([0-9a-f]{7}\)/);

    const third = events(run(dir).stdout);
    expect(Object.values(finished(third)).map((job) => job.status)).toEqual(["skipped", "skipped", "skipped"]);
  });

  it("refuses a --base that names no commit, before anything runs (exit 2)", () => {
    const { dir, git } = project(MONOREPO);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    const result = run(dir, "--base", "no-such-branch");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("pipec run: --base no-such-branch: it names no commit in this repository; name a branch, tag or commit (git log --oneline shows them)\n");
    expect(result.stdout).toBe("");
    noStackTrace(result.stderr);
  });

  it("in a repository without commits, counts every path as changed and says so; --base there is refused", () => {
    const { dir } = project(MONOREPO);
    const all = events(run(dir).stdout);
    expect(all.find((e) => e.type === "run.changes")).toMatchObject({ base: "nothing (the repository has no commits yet: every path counts as changed)", files: null });
    expect(Object.values(finished(all)).map((job) => job.status)).toEqual(["success", "success", "success"]);
    const refused = run(dir, "--base", "main");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--base main: the repository has no commits yet");
  });

  it("YAML changes: with a matrix, and-ed with the job's conditional", () => {
    const { dir, git, write } = project({
      ...MONOREPO,
      "pipeline.yaml": `name: mono-yaml
image: unused
jobs:
  test:
    matrix:
      service: [user, billing]
    changes: ["services/\${{ matrix.service }}/**", shared/auth/**]
    steps: ["echo testing \${{ matrix.service }}"]
  docs:
    changes: docs/**
    conditional: \${{ git.branch == 'feature' }}
    steps: ["echo docs"]
`,
    });
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    git("checkout", "-q", "-b", "feature");
    write("services/user/main.txt", "user v2\n");
    write("docs/readme.md", "docs v2\n");
    git("commit", "-q", "-am", "user and docs");
    const built = runPipec(["build", "pipeline.yaml", "--format", "json"], { cwd: dir });
    expect(built.stderr).toBe("");
    const plan = JSON.parse(built.stdout) as { jobs: Record<string, { if: string }> };
    expect(plan.jobs["test-service-billing"]?.if).toBe("changed('services/billing/**', 'shared/auth/**')");
    expect(plan.jobs.docs?.if).toBe("git.branch == 'feature' && changed('docs/**')");

    const jobs = finished(events(runPipec(["run", "pipeline.yaml", "--executor", "local", "--json"], { cwd: dir }).stdout));
    expect(jobs["test-service-user"]?.status).toBe("success");
    expect(jobs["test-service-billing"]?.status).toBe("skipped");
    expect(jobs.docs?.status).toBe("success");
  });
});
