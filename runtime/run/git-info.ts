/**
 * The branch, commit, tag and commit author time of the project, when it is a git checkout; nulls otherwise.
 * A run reads them in the background while it takes its snapshot (each git command costs a process
 * start, which a cached run should not wait for one after the other); `readGitInfo` is the same, at once.
 */
import { execFile, execFileSync } from "node:child_process";

export interface GitInfo {
  readonly branch: string | null;
  readonly sha: string | null;
  readonly tag: string | null;
  /** When the commit was authored (ISO 8601, UTC): DORA's lead time counts from it. */
  readonly authorTime?: string | null;
}

const NO_GIT: GitInfo = { branch: null, sha: null, tag: null, authorTime: null };

export function readGitInfo(cwd: string): GitInfo {
  const git = (...args: string[]) => {
    try {
      return nonEmpty(execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8", timeout: 5000 }));
    } catch {
      return null;
    }
  };
  return gitInfoFrom(git("rev-parse", "HEAD", "--abbrev-ref", "HEAD"), git("describe", "--tags", "--exact-match", "HEAD"), git("log", "-1", "--format=%aI", "HEAD"));
}

/** readGitInfo with the three git commands at once, in the background. */
export async function readGitInfoInBackground(cwd: string): Promise<GitInfo> {
  const git = (...args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile("git", args, { cwd, encoding: "utf8", timeout: 5000 }, (error, stdout) => resolve(error ? null : nonEmpty(stdout)));
    });
  const [revisions, tag, authored] = await Promise.all([git("rev-parse", "HEAD", "--abbrev-ref", "HEAD"), git("describe", "--tags", "--exact-match", "HEAD"), git("log", "-1", "--format=%aI", "HEAD")]);
  return gitInfoFrom(revisions, tag, authored);
}

/** rev-parse answers for each argument in turn: the commit, then the branch (HEAD when detached). */
function gitInfoFrom(revisions: string | null, tag: string | null, authored: string | null): GitInfo {
  const [sha, branch] = revisions?.split("\n") ?? [];
  if (!sha) return NO_GIT;
  const time = authored === null ? Number.NaN : Date.parse(authored);
  return { branch: !branch || branch === "HEAD" ? null : branch, sha, tag, authorTime: Number.isNaN(time) ? null : new Date(time).toISOString() };
}

function nonEmpty(out: string): string | null {
  const text = out.trim();
  return text === "" ? null : text;
}
