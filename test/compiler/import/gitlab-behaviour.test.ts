/**
 * Behaviour: for script-only GitLab files, the original run by gitlab-ci-local (shell executor, each
 * job isolated) and the imported pipeline run by `pipec run --executor local` give the same job
 * outcomes. gitlab-ci-local comes from test/setup/gitlab-ci-local.sh (as in the targets tests).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipec } from "../../cli/run-pipec.ts";
import { ensureGitlabCiLocal, gitlabCiLocal, gitRepo, summaryOutcomes, type Outcome } from "../targets/gitlab-ci-local.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "import");
const CASES = [
  "gitlab-templates/cases/Bash.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-sequence/.gitlab-ci.yml",
  "gitlab-ci-local/cases/when-on-failure/.gitlab-ci.yml",
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
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("an imported GitLab pipeline behaves like the original", () => {
  it.for(CASES)("%s", { timeout: 300_000 }, async (relative, context) => {
    if (bin === null) {
      if (required) throw new Error(`gitlab-ci-local is required under CI: ${reason}`);
      context.skip(`gitlab-ci-local unavailable: ${reason}`);
      return;
    }
    const source = join(FIXTURES, relative);
    const local = mkdtempSync(join(tmpdir(), "pipec-import-run-"));
    scratch.push(local);
    cpSync(source, join(local, ".gitlab-ci.yml"));
    const imported = runPipec(["import", ".gitlab-ci.yml", "-o", "ci.pipeline.ts", "--image", "busybox:1.36"], { cwd: local });
    expect(imported.code, imported.stderr).toBe(0);
    const run = runPipec(["run", "ci.pipeline.ts", "--executor", "local", "--json"], { cwd: local });
    const pipec = outcomesFromEvents(run.stdout);

    const repo = await gitRepo(readFileSync(source, "utf8"));
    scratch.push(repo);
    const gcl = gitlabCiLocal(bin, repo, ["--force-shell-executor", "--shell-isolation", "--no-artifacts-to-source", "--concurrency", "2"]);
    expect(Object.keys(pipec).length).toBeGreaterThan(0);
    expect(summaryOutcomes(gcl.output, Object.keys(pipec)), gcl.output.slice(-3000)).toEqual(pipec);
  });
});

function outcomesFromEvents(events: string): Record<string, Outcome> {
  const outcomes: Record<string, Outcome> = {};
  for (const line of events.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { type: string; job?: string; status?: string };
    // These cases allow no failures: a failed job is "failed" on both sides.
    if (event.type === "job.finished" && event.job !== undefined) outcomes[event.job] = event.status === "success" ? "passed" : event.status === "skipped" ? "skipped" : "failed";
  }
  return outcomes;
}
