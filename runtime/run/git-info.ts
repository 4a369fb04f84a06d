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
  const revisions = git(...REVISIONS);
  const logged = loggedFrom(git(...LOG));
  return gitInfoFrom(revisions, logged.tagged ? git(...DESCRIBE) : null, logged.authored);
}

/** readGitInfo with its git commands at once, in the background. */
export async function readGitInfoInBackground(cwd: string): Promise<GitInfo> {
  const git = (...args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile("git", args, { cwd, encoding: "utf8", timeout: 5000 }, (error, stdout) => resolve(error ? null : nonEmpty(stdout)));
    });
  const [revisions, log] = await Promise.all([git(...REVISIONS), git(...LOG)]);
  const logged = loggedFrom(log);
  return gitInfoFrom(revisions, logged.tagged ? await git(...DESCRIBE) : null, logged.authored);
}

const REVISIONS = ["rev-parse", "HEAD", "--abbrev-ref", "HEAD"];
/**
 * The author time, and the tags at HEAD (an explicit --decorate-refs, so no log.excludeDecoration
 * hides one): only a commit that has one asks `git describe` which it is, so an untagged commit
 * costs two git processes, not three.
 */
const LOG = ["log", "-1", "--format=%aI%x00%D", "--decorate-refs=refs/tags/", "HEAD"];
const DESCRIBE = ["describe", "--tags", "--exact-match", "HEAD"];

function loggedFrom(out: string | null): { authored: string | null; tagged: boolean } {
  const [authored, tags] = out?.split("\0") ?? [];
  return { authored: authored || null, tagged: Boolean(tags?.trim()) };
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
