/** The branch, commit and tag of the project, when it is a git checkout; nulls otherwise. */
import { execFileSync } from "node:child_process";

export interface GitInfo {
  readonly branch: string | null;
  readonly sha: string | null;
  readonly tag: string | null;
}

export function readGitInfo(cwd: string): GitInfo {
  const git = (...args: string[]) => {
    try {
      const out = execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8", timeout: 5000 }).trim();
      return out === "" ? null : out;
    } catch {
      return null;
    }
  };
  const sha = git("rev-parse", "HEAD");
  if (!sha) return { branch: null, sha: null, tag: null };
  const branch = git("rev-parse", "--abbrev-ref", "HEAD");
  return { branch: branch === "HEAD" ? null : branch, sha, tag: git("describe", "--tags", "--exact-match", "HEAD") };
}
