/**
 * Behaviour: for script-only GitLab files, the original run by gitlab-ci-local (shell executor, each
 * job isolated) and the imported pipeline run by `pipec run --executor local` give the same job
 * outcomes and keep the same artifacts: per job, the files gitlab-ci-local leaves in
 * `.gitlab-ci-local/artifacts/<job>/` and the files of the job's output in pipec's store (`pipec
 * artifacts ls` / `get`), with their paths and contents. Files only: a job that keeps no file counts as
 * keeping nothing on both sides. gitlab-ci-local comes from test/setup/gitlab-ci-local.sh (as in the
 * targets tests). Both sides run in a git repository on branch main (the same helper makes both).
 *
 * The cases are the corpus's script-only files (no image, services or includes) that import without
 * errors, whose scripts are POSIX sh (pipec runs steps with `sh -e`, gitlab-ci-local with bash: the
 * brace expansion of artifacts-exclude differs, so it is left out) and that finish in seconds
 * (artifacts-many-paths writes 9000 files). artifacts-after-afterscript is left out too: under
 * --shell-isolation gitlab-ci-local runs its after_script where the job's files are not (its
 * `rm logs/*badlog` fails) and keeps no artifact, where GitLab keeps logs/foo.log.
 * artifacts-shell-fail holds GitLab's leniency about artifacts that are not there: its build's paths
 * match nothing (GitLab warns, uploads nothing), test still runs (and fails on its own `exit 1`), and
 * the when: always deploy runs without test's artifacts; imported inputs are optional, so pipec agrees.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipec, runPipecAsync } from "../../cli/run-pipec.ts";
import { ensureGitlabCiLocal, gitlabCiLocalAsync, gitRepo, summaryOutcomes, type Outcome } from "../targets/gitlab-ci-local.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "import");
const CASES = [
  "gitlab-templates/cases/Bash.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-sequence/.gitlab-ci.yml",
  "gitlab-ci-local/cases/when-on-failure/.gitlab-ci.yml",
  "gitlab-ci-local/cases/needs-artifacts/.gitlab-ci.yml",
  "gitlab-ci-local/cases/needs-empty/.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-no-shell-out/.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-shell/.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-shell-fail/.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-to-source-no/.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-globstar/.gitlab-ci.yml",
  "gitlab-ci-local/cases/when-always/.gitlab-ci.yml",
  "gitlab-ci-local/cases/scripts-as-string/.gitlab-ci.yml",
];
const required = process.env.CI !== undefined || process.env.PIPEC_REQUIRE_DOCKER === "1";

let bin: string | null = null;
let reason = "";
const scratch: string[] = [];
beforeAll(() => {
  const found = ensureGitlabCiLocal();
  if ("bin" in found) bin = found.bin;
  else reason = found.reason;
}, 900_000);
// Each case leaves two git repositories and gitlab-ci-local's files: removing them all outlasts the default 10 s on a busy machine.
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
}, 120_000);

type Kept = Record<string, Record<string, string>>;

describe("an imported GitLab pipeline behaves like the original", () => {
  it.for(CASES)("%s", { timeout: 400_000 }, async (path, context) => {
    if (bin === null) {
      if (required) throw new Error(`gitlab-ci-local is required under CI: ${reason}`);
      context.skip(`gitlab-ci-local unavailable: ${reason}`);
      return;
    }
    const original = readFileSync(join(FIXTURES, path), "utf8");
    const local = await gitRepo(original);
    const repo = await gitRepo(original);
    scratch.push(local, repo);
    const imported = runPipec(["import", ".gitlab-ci.yml", "-o", "ci.pipeline.ts", "--image", "busybox:1.36"], { cwd: local });
    expect(imported.code, imported.stderr).toBe(0);
    // Side by side: pipec's run and gitlab-ci-local's.
    const [run, gcl] = await Promise.all([
      runPipecAsync(["run", "ci.pipeline.ts", "--executor", "local", "--json"], { cwd: local, timeoutMs: 300_000 }),
      gitlabCiLocalAsync(bin, repo, ["--force-shell-executor", "--shell-isolation", "--no-artifacts-to-source", "--concurrency", "2"]),
    ]);
    const { outcomes, runId } = readEvents(run.stdout);
    expect(Object.keys(outcomes).length, run.stderr).toBeGreaterThan(0);
    expect(summaryOutcomes(gcl.output, Object.keys(outcomes)), gcl.output.slice(-3000)).toEqual(outcomes);
    expect(pipecArtifacts(local, runId)).toEqual(gclArtifacts(repo));
  });
});

function readEvents(events: string): { outcomes: Record<string, Outcome>; runId: string } {
  const outcomes: Record<string, Outcome> = {};
  let runId = "";
  for (const line of events.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { type: string; job?: string; status?: string; runId?: string };
    if (event.type === "run.started") runId = event.runId!;
    // These cases allow no failures: a failed job is "failed" on both sides.
    if (event.type === "job.finished" && event.job !== undefined) outcomes[event.job] = event.status === "success" ? "passed" : event.status === "skipped" ? "skipped" : "failed";
  }
  return { outcomes, runId };
}

/** The run's job outputs, fetched from the store as a user does (`pipec artifacts ls --json`, `get`). */
function pipecArtifacts(project: string, runId: string): Kept {
  const listed = runPipec(["artifacts", "ls", "--json"], { cwd: project });
  expect(listed.code, listed.stderr).toBe(0);
  const artifacts = (JSON.parse(listed.stdout) as { id: string; job: string; runId: string }[]).filter((a) => a.runId === runId && a.job !== "(project)");
  const kept: Kept = {};
  for (const artifact of artifacts) {
    const into = mkdtempSync(join(tmpdir(), "pipec-import-artifact-"));
    scratch.push(into);
    const got = runPipec(["artifacts", "get", artifact.id, "-o", into], { cwd: project });
    expect(got.code, got.stderr).toBe(0);
    kept[artifact.job] = { ...kept[artifact.job], ...filesUnder(into) };
  }
  return withoutEmpty(kept);
}

/** What gitlab-ci-local kept: `.gitlab-ci-local/artifacts/<job>/`. */
function gclArtifacts(repo: string): Kept {
  const root = join(repo, ".gitlab-ci-local", "artifacts");
  const kept: Kept = {};
  if (!existsSync(root)) return kept;
  for (const job of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) kept[job.name] = filesUnder(join(root, job.name));
  return withoutEmpty(kept);
}

function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

const withoutEmpty = (kept: Kept): Kept => Object.fromEntries(Object.entries(kept).filter(([, files]) => Object.keys(files).length > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
