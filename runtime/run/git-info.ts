/** The branch, commit, tag and commit author time of the project, when it is a git checkout; nulls otherwise. */
import { execFileSync } from "node:child_process";

export interface GitInfo {
  readonly branch: string | null;
  readonly sha: string | null;
  readonly tag: string | null;
  /** When the commit was authored (ISO 8601, UTC): DORA's lead time counts from it. */
  readonly authorTime?: string | null;
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
  if (!sha) return { branch: null, sha: null, tag: null, authorTime: null };
  const branch = git("rev-parse", "--abbrev-ref", "HEAD");
  const authored = git("log", "-1", "--format=%aI", sha);
  return { branch: branch === "HEAD" ? null : branch, sha, tag: git("describe", "--tags", "--exact-match", "HEAD"), authorTime: authored === null ? null : new Date(authored).toISOString() };
}
