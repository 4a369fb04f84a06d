/**
 * The branch, commit and tag of the project, when it is a git checkout (nulls otherwise), and when
 * the commit was authored. The git commands run at once, in the background, while the run takes its
 * snapshot: each costs a process start, which a cached run should not wait for one after the other.
 */
import { execFile } from "node:child_process";

export interface GitInfo {
  readonly branch: string | null;
  readonly sha: string | null;
  readonly tag: string | null;
}

export interface GitCommit {
  readonly info: GitInfo;
  /** When the commit was authored (ISO 8601), for lead time; null outside a git checkout. */
  readonly authorTime: string | null;
}

export async function readGitCommit(cwd: string): Promise<GitCommit> {
  const git = (...args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile("git", args, { cwd, encoding: "utf8", timeout: 5000 }, (error, stdout) => resolve(error || stdout.trim() === "" ? null : stdout.trim()));
    });
  // rev-parse answers for each argument in turn: the commit, then the branch (HEAD when detached).
  const [revisions, tag, authored] = await Promise.all([git("rev-parse", "HEAD", "--abbrev-ref", "HEAD"), git("describe", "--tags", "--exact-match", "HEAD"), git("log", "-1", "--format=%aI", "HEAD")]);
  const [sha, branch] = revisions?.split("\n") ?? [];
  if (!sha) return { info: { branch: null, sha: null, tag: null }, authorTime: null };
  const time = authored === null ? Number.NaN : Date.parse(authored);
  return { info: { branch: !branch || branch === "HEAD" ? null : branch, sha, tag }, authorTime: Number.isNaN(time) ? null : new Date(time).toISOString() };
}
