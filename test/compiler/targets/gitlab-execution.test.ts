/**
 * GitLab execution differential: each script-only fixture (test/fixtures/targets-script-*) runs with
 * `pipec run --executor local` and, compiled by `pipec build --target gitlab`, with gitlab-ci-local's
 * shell executor (--shell-isolation, so jobs see only their artifacts). Both must give the same job
 * outcomes and the same artifact contents: paths, file types, modes, link targets and bytes.
 * With Docker up (required under CI), the same cases also run with gitlab-ci-local's Docker executor
 * in the test images (busybox), with a Debian helper image for its artifact copies (no network).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHelperImage, HELPER_IMAGE } from "../../../bench/bench-images.ts";
import { runPipec } from "../../cli/run-pipec.ts";
import { ensureGitlabCiLocal, gitlabCiLocal, gitRepo, summaryOutcomes, type Outcome } from "./gitlab-ci-local.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const cases = readdirSync(FIXTURES).filter((name) => name.startsWith("targets-script-"));
const required = process.env.CI !== undefined || process.env.PIPEC_REQUIRE_DOCKER === "1";
const EXECUTORS = {
  shell: ["--force-shell-executor", "--shell-isolation"],
  docker: ["--pull-policy", "if-not-present", "--helper-image", HELPER_IMAGE, "--network", "none"],
} as const;

let bin: string | null = null;
let reason = "";
let docker: string | null = null;
const scratch: string[] = [];

beforeAll(async () => {
  const found = ensureGitlabCiLocal();
  if ("bin" in found) bin = found.bin;
  else reason = found.reason;
  if (spawnSync("docker", ["info"], { stdio: "ignore", timeout: 30_000 }).status !== 0) docker = "no Docker engine is reachable";
  else {
    const helper = await ensureHelperImage(() => {});
    if (!helper.ok) docker = helper.reason;
  }
}, 900_000);

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("gitlab-ci-local runs what --target gitlab emits like pipec run does", () => {
  it("has script-only fixtures", () => expect(cases.length).toBeGreaterThan(0));

  const table = cases.flatMap((name) => (["shell", "docker"] as const).map((executor) => [name, executor] as const));
  it.for(table)("%s (%s executor)", { timeout: 300_000 }, async ([name, executor], context) => {
    if (bin === null) {
      if (required) throw new Error(`gitlab-ci-local is required under CI: ${reason}`);
      context.skip(`gitlab-ci-local unavailable: ${reason}`);
      return;
    }
    if (executor === "docker" && docker !== null) {
      if (required) throw new Error(`gitlab-ci-local's Docker executor is required under CI: ${docker}`);
      context.skip(`Docker unavailable: ${docker}`);
      return;
    }
    const source = join(FIXTURES, name, "pipeline.yaml");
    const plan = JSON.parse(runPipec(["build", source, "--format", "json"]).stdout) as { jobs: Record<string, { allowFailure: boolean; outputs: Record<string, unknown> }> };
    const jobs = Object.keys(plan.jobs);

    const local = mkdtempSync(join(tmpdir(), "pipec-local-"));
    scratch.push(local);
    cpSync(source, join(local, "pipeline.yaml"));
    const run = runPipec(["run", "pipeline.yaml", "--executor", "local", "--json"], { cwd: local });
    const pipecOutcomes = outcomesFromEvents(run.stdout, plan.jobs);

    const emitted = runPipec(["build", source, "--target", "gitlab"]);
    expect(emitted.code, emitted.stderr).toBe(0);
    const repo = await gitRepo(emitted.stdout);
    scratch.push(repo);
    const listed = gitlabCiLocal(bin, repo, ["--list"]);
    expect(listed.code, listed.output).toBe(0);
    const gcl = gitlabCiLocal(bin, repo, [...EXECUTORS[executor], "--no-artifacts-to-source", "--concurrency", "2"]);
    // Jobs the emitter warned about (a need of an always()/failure() job may be skipped) may differ; all others must not.
    const flagged = new Set(flaggedJobs(emitted.stderr));
    const without = (outcomes: Record<string, Outcome>) => Object.fromEntries(Object.entries(outcomes).filter(([job]) => !flagged.has(job)));
    expect(without(summaryOutcomes(gcl.output, jobs)), gcl.output.slice(-4000)).toEqual(without(pipecOutcomes));

    for (const [job, spec] of Object.entries(plan.jobs)) {
      for (const output of Object.keys(spec.outputs)) {
        const pipecDir = join(local, "restored", job, output);
        const got = runPipec(["artifacts", "get", `${job}.${output}`, "-o", pipecDir], { cwd: local });
        const tar = join(repo, ".gitlab-ci-local", "artifacts", job, ".pipec-artifacts", `${job}-${output}.tar`);
        if (got.code !== 0) {
          // pipec made no artifact (the job failed, or an optional output matched nothing): neither may GitLab.
          expect(existsSync(tar), `${job}.${output}: pipec has none, gitlab-ci-local has ${tar}`).toBe(false);
          continue;
        }
        expect(existsSync(tar), `${job}.${output} missing in gitlab-ci-local's artifacts`).toBe(true);
        const gitlabDir = join(repo, "unpacked", job, output);
        mkdirSync(gitlabDir, { recursive: true });
        expect(spawnSync("tar", ["-xf", tar, "-C", gitlabDir]).status).toBe(0);
        expect(describeTree(gitlabDir), `${job}.${output}`).toEqual(describeTree(pipecDir));
      }
    }
  });
});

/** Jobs named by a `gitlab: job(s) ...: if: when: ... does not start the job` warning. */
function flaggedJobs(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.includes("warning[target-approximation]: gitlab: job") && line.includes(": if: when:"))
    .flatMap((line) => [...line.slice(0, line.indexOf(": if: when:")).matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
}

function outcomesFromEvents(events: string, jobs: Readonly<Record<string, { allowFailure: boolean }>>): Record<string, Outcome> {
  const outcomes: Record<string, Outcome> = {};
  for (const line of events.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { type: string; job?: string; status?: string };
    if (event.type !== "job.finished" || event.job === undefined) continue;
    const status = event.status;
    outcomes[event.job] = status === "success" ? "passed" : status === "skipped" ? "skipped" : jobs[event.job]?.allowFailure ? "allowed-failure" : "failed";
  }
  return Object.fromEntries(Object.keys(jobs).map((job) => [job, outcomes[job] ?? "skipped"]));
}

/** Every entry under `root`: type, mode, link target or content. */
function describeTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const rel = relative(root, path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(path)}`);
      else out.push(`${rel} ${(stat.mode & 0o777).toString(8)} ${JSON.stringify(readFileSync(path, "utf8"))}`);
    }
  };
  walk(root);
  return out;
}
