/**
 * gitlab-ci-local 4.75.1 (with the Node 22 it needs), installed by test/setup/gitlab-ci-local.sh, run
 * in a throwaway git repository holding a generated `.gitlab-ci.yml`: `--list` validates the file
 * against GitLab's own schema (bundled), a plain run executes it with the shell executor.
 */
import { spawn, spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";

const SETUP = join(import.meta.dirname, "..", "..", "setup", "gitlab-ci-local.sh");

/** The bin folder holding gitlab-ci-local and node 22, or the reason it could not be installed. */
export function ensureGitlabCiLocal(): { readonly bin: string } | { readonly reason: string } {
  const result = spawnSync("bash", [SETUP], { encoding: "utf8", timeout: 600_000 });
  if (result.status !== 0) return { reason: `test/setup/gitlab-ci-local.sh failed: ${(result.stderr || String(result.error)).trim().split("\n").slice(-3).join(" / ")}` };
  return { bin: result.stdout.trim().split("\n").at(-1)! };
}

/** A git repository with one commit holding `.gitlab-ci.yml` (the bench's helper). */
export { prepareRepo as gitRepo } from "../../../bench/peer-gitlab-ci-local.ts";

export interface GclResult {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr together. */
  readonly output: string;
}

export function gitlabCiLocal(bin: string, cwd: string, args: readonly string[]): GclResult {
  const env = { ...process.env, PATH: [bin, process.env.PATH ?? ""].join(delimiter), NO_COLOR: "1", FORCE_COLOR: "0" };
  const r = spawnSync(join(bin, "gitlab-ci-local"), ["--no-color", ...args], { cwd, env, encoding: "utf8", timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
}

/** `gitlabCiLocal` that leaves the event loop free (to run beside another process). */
export function gitlabCiLocalAsync(bin: string, cwd: string, args: readonly string[]): Promise<GclResult> {
  const env = { ...process.env, PATH: [bin, process.env.PATH ?? ""].join(delimiter), NO_COLOR: "1", FORCE_COLOR: "0" };
  return new Promise((resolve, reject) => {
    const child = spawn(join(bin, "gitlab-ci-local"), ["--no-color", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output: `${stdout}${stderr}` });
    });
  });
}

export type Outcome = "passed" | "failed" | "allowed-failure" | "skipped";

/** Job outcomes from the run's summary (` PASS  build`, ` WARN  flaky  pre_script`, ` FAIL  broken`; a ` WARN  job  after_script` line is not an outcome); absent jobs did not run. */
export function summaryOutcomes(output: string, jobs: readonly string[]): Record<string, Outcome> {
  const seen = new Map<string, Outcome>();
  for (const line of output.split("\n")) {
    const match = /^\s*(PASS|WARN|FAIL)\s+(\S+)(\s+after_script\b)?/.exec(line);
    // ` WARN  job  after_script`: the job passed, its after_script failed (GitLab ignores that).
    if (match && match[3] === undefined) seen.set(match[2]!, match[1] === "PASS" ? "passed" : match[1] === "WARN" ? "allowed-failure" : "failed");
  }
  return Object.fromEntries(jobs.map((job) => [job, seen.get(job) ?? "skipped"]));
}
