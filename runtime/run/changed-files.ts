/**
 * The files a run counts as changed, for `changed(...)` conditions: the difference between a base
 * commit and the working tree (committed, staged, unstaged and untracked files alike). The base is
 * `--base REF` when given; else the merge base with the default branch when the checkout is on
 * another branch; else the commit of this pipeline's last successful run; else the previous commit.
 */
import { execFileSync } from "node:child_process";
import { PipecError } from "../errors.ts";
import type { ChangeSet } from "../plan/expression/index.ts";

/** `--base` names nothing git can resolve to a commit. */
export class ChangeBaseError extends PipecError {
  override readonly name = "ChangeBaseError";
  readonly code = "CHANGE_BASE_UNKNOWN";
}

export interface ChangeBaseOptions {
  /** `--base REF`: a branch, tag or commit. */
  readonly base?: string;
  /** The commit of this pipeline's last successful run, when one recorded it. */
  readonly previousSuccess?: string | null;
}

/** git's empty tree: the base of a repository's first commit, where every file is new. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export function readChangedFiles(projectDir: string, options: ChangeBaseOptions): ChangeSet {
  const git = gitRunner(projectDir);
  const head = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}");
  if (options.base !== undefined) {
    const base = git("rev-parse", "--verify", "--quiet", `${options.base}^{commit}`);
    if (base === null) {
      const why = head === null ? (git("rev-parse", "--git-dir") === null ? "the project is not in a git repository" : "the repository has no commits yet") : "it names no commit in this repository";
      throw new ChangeBaseError(`--base ${options.base}: ${why}; name a branch, tag or commit (git log --oneline shows them)`);
    }
    return diffAgainst(git, base, `--base ${options.base} (${short(base)})`);
  }
  if (head === null) {
    const why = git("rev-parse", "--git-dir") === null ? "the project is not in a git repository" : "the repository has no commits yet";
    return { base: `nothing (${why}: every path counts as changed)`, files: null };
  }
  const branch = defaultBranch(git);
  const mergeBase = branch === null ? null : git("merge-base", "HEAD", branch);
  if (branch !== null && mergeBase !== null && mergeBase !== head) return diffAgainst(git, mergeBase, `${branch} (merge base ${short(mergeBase)})`);
  const previous = options.previousSuccess ? git("rev-parse", "--verify", "--quiet", `${options.previousSuccess}^{commit}`) : null;
  if (previous !== null) return diffAgainst(git, previous, `the last successful run's commit (${short(previous)})`);
  const parent = git("rev-parse", "--verify", "--quiet", "HEAD~1^{commit}");
  if (parent !== null) return diffAgainst(git, parent, `the previous commit (${short(parent)})`);
  return diffAgainst(git, EMPTY_TREE, "the empty tree (the first commit: every file is new)");
}

type Git = (...args: string[]) => string | null;

function gitRunner(cwd: string): Git {
  return (...args) => {
    try {
      const out = execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8", timeout: 30_000, maxBuffer: 256 * 1024 * 1024 });
      const trimmed = out.trim();
      return trimmed === "" ? null : trimmed;
    } catch {
      return null;
    }
  };
}

/** The repository's default branch (origin's HEAD, else a local main or master), or null. */
export function repositoryDefaultBranch(projectDir: string): string | null {
  const name = defaultBranch(gitRunner(projectDir));
  return name === null ? null : name.replace(/^origin\//, "");
}

/** origin's HEAD when the clone knows it, else a local main or master. */
function defaultBranch(git: Git): string | null {
  const remote = git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD");
  if (remote !== null) return remote;
  for (const name of ["main", "master"]) if (git("rev-parse", "--verify", "--quiet", `refs/heads/${name}`) !== null) return name;
  return null;
}

function diffAgainst(git: Git, base: string, description: string): ChangeSet {
  const tracked = git("diff", "--name-only", "--no-renames", "-z", base, "--") ?? "";
  const untracked = git("ls-files", "--others", "--exclude-standard", "-z") ?? "";
  const files = new Set([...tracked.split("\0"), ...untracked.split("\0")].filter((path) => path !== "" && !isPipecState(path)));
  return { base: description, files: [...files].sort() };
}

/** pipec's own run records are never a change. */
function isPipecState(path: string): boolean {
  return path === ".pipec" || path.startsWith(".pipec/") || path.includes("/.pipec/");
}

const short = (sha: string) => sha.slice(0, 7);
