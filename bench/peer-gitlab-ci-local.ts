/**
 * gitlab-ci-local, the peer: installed once into `.pipec/bench-peers/gitlab-ci-local` (with the Node 22
 * it needs), then timed in a throwaway git repo holding a generated `.gitlab-ci.yml`: parsing it with
 * `--list` (compiler benchmark) or running its jobs in Docker (run benchmark).
 * Every failure becomes `{ ok: false, reason }` so the benchmark prints a row instead of crashing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CommandFailedError, measureMedian, summarize, type Sample } from "./measure.ts";

export const PEER_PACKAGES = ["node@22", "gitlab-ci-local@4.75.1"] as const;

export type PeerResult =
  | { readonly ok: true; readonly sample: Sample; readonly jobsListed: number }
  /** `invalid`: the peer ran but did not list every job, so its time is not the time of the work asked. */
  | { readonly ok: false; readonly reason: string; readonly invalid?: string };

export interface Peer {
  /** The `node_modules/.bin` holding node 22 and gitlab-ci-local, to put first on PATH. */
  readonly binDir: string;
}

/** Installs the peer under `peersDir` unless it is already there. */
export function ensurePeer(peersDir: string): Peer | { readonly reason: string } {
  const prefix = join(peersDir, "gitlab-ci-local");
  const binDir = join(prefix, "node_modules", ".bin");
  const ready = (): boolean => existsSync(join(binDir, "gitlab-ci-local")) && nodeMajor(binDir) === 22;
  if (ready()) return { binDir };
  const tools = ensureHostTools();
  if (tools) return { reason: tools };
  mkdirSync(prefix, { recursive: true });
  const install = spawnSync("npm", [
    "install", "--no-save", "--no-audit", "--no-fund", "--fetch-retries=1", "--fetch-retry-maxtimeout=10000", "--prefix", prefix, ...PEER_PACKAGES,
  ], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (install.status !== 0) return { reason: `npm install ${PEER_PACKAGES.join(" ")} failed: ${summarize(install.stderr || String(install.error ?? ""))}` };
  return ready() ? { binDir } : { reason: `npm install finished but ${binDir} has no gitlab-ci-local on Node 22` };
}

function nodeMajor(binDir: string): number | null {
  const result = spawnSync(join(binDir, "node"), ["--version"], { encoding: "utf8" });
  const match = /^v(\d+)\./.exec(result.stdout ?? "");
  return match ? Number(match[1]) : null;
}

/** gitlab-ci-local shells out to git and rsync; installs rsync from Debian when it is missing. */
function ensureHostTools(): string | null {
  const has = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
  if (!has("git")) return "git is not installed";
  if (!has("rsync")) {
    spawnSync("sh", ["-c", "apt-get install -y -qq rsync || (apt-get update -qq && apt-get install -y -qq rsync)"], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 180_000,
    });
    if (!has("rsync")) return "rsync is not installed and apt-get could not install it";
  }
  return null;
}

/** A git repo with one commit holding `.gitlab-ci.yml`, and an origin remote so no fallback path is taken. */
export async function prepareRepo(gitlabCi: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-bench-glcl-"));
  await writeFile(join(dir, ".gitlab-ci.yml"), gitlabCi);
  const git = (...args: string[]): void => {
    const result = spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], { cwd: dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${summarize(result.stderr)}`);
  };
  git("init", "-q", "-b", "main");
  git("add", ".gitlab-ci.yml");
  git("commit", "-q", "-m", "bench");
  // Never contacted by --list; it only stops gitlab-ci-local from warning and taking its no-remote fallback.
  git("remote", "add", "origin", "https://gitlab.example.invalid/bench/bench.git");
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
  return dir;
}

/** Times `gitlab-ci-local --list` on `gitlabCi` (median of `runs`) and checks that it listed `expectedJobs`. */
export async function timeGitlabCiLocalList(peersDir: string, gitlabCi: string, expectedJobs: number, runs = 3): Promise<PeerResult> {
  const peer = ensurePeer(peersDir);
  if ("reason" in peer) return { ok: false, reason: peer.reason };
  let dir: string | undefined;
  try {
    dir = await prepareRepo(gitlabCi);
    const env = { ...process.env, PATH: [peer.binDir, process.env.PATH ?? ""].join(delimiter), NO_COLOR: "1", FORCE_COLOR: "0" };
    const sample = await measureMedian(["gitlab-ci-local", "--list"], { cwd: dir, env, runs });
    // One header line, then one line per job.
    const jobsListed = sample.stdout.split("\n").filter((line) => /^j\d+\s/.test(line)).length;
    if (jobsListed !== expectedJobs) {
      const reason = `gitlab-ci-local --list printed ${jobsListed} jobs, expected ${expectedJobs}`;
      return { ok: false, reason, invalid: reason };
    }
    return { ok: true, sample, jobsListed };
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `gitlab-ci-local --list failed: ${summarize(detail)}` };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

export type PeerRunResult =
  | { readonly ok: true; readonly sample: Sample; readonly jobsPassed: number }
  /** `invalid`: the peer ran but did not pass every job, so its time is not the time of the work asked. */
  | { readonly ok: false; readonly reason: string; readonly invalid?: string };

export interface PeerRunOptions {
  /** An image with bash and rsync (bench-images.ts builds one); the default one cannot be pulled here. */
  readonly helperImage: string;
  readonly concurrency: number;
  /** @default 1 */
  readonly runs?: number;
}

/** The jobs gitlab-ci-local's summary lists as passed (` PASS  j0` lines). */
export function countPassed(stdout: string): number {
  return stdout.split("\n").filter((line) => /^\s*PASS\s+\S+\s*$/.test(line)).length;
}

/**
 * Times a whole `gitlab-ci-local` pipeline run of `gitlabCi` in Docker (median of `runs`), with images
 * used as they are (`--pull-policy if-not-present`), and checks that all `expectedJobs` passed.
 */
export async function timeGitlabCiLocalRun(peersDir: string, gitlabCi: string, expectedJobs: number, options: PeerRunOptions): Promise<PeerRunResult> {
  const peer = ensurePeer(peersDir);
  if ("reason" in peer) return { ok: false, reason: peer.reason };
  let dir: string | undefined;
  try {
    dir = await prepareRepo(gitlabCi);
    const env = { ...process.env, PATH: [peer.binDir, process.env.PATH ?? ""].join(delimiter), NO_COLOR: "1", FORCE_COLOR: "0" };
    const command = ["gitlab-ci-local", "--pull-policy", "if-not-present", "--helper-image", options.helperImage, "--concurrency", String(options.concurrency)];
    const sample = await measureMedian(command, { cwd: dir, env, runs: options.runs ?? 1 });
    const jobsPassed = countPassed(sample.stdout);
    if (jobsPassed !== expectedJobs) {
      const reason = `gitlab-ci-local passed ${jobsPassed} jobs, expected ${expectedJobs}: ${summarize(sample.stdout + sample.stderr)}`;
      return { ok: false, reason, invalid: reason };
    }
    return { ok: true, sample, jobsPassed };
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `gitlab-ci-local failed: ${summarize(detail)}` };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
