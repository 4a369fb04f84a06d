/**
 * The branch, commit, tag and commit author time of the project, when it is a git checkout; nulls otherwise.
 * A run reads them in the background while it takes its snapshot; one `git log` answers all four
 * (a process start costs a cached run more than the answer), and only a commit that carries a tag
 * asks `git describe` which one. `readGitInfo` is the same, at once.
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
  const logged = loggedFrom(git(...LOG));
  return gitInfoFrom(logged, logged?.tagged ? git(...DESCRIBE) : null);
}

/** readGitInfo without blocking. */
export async function readGitInfoInBackground(cwd: string): Promise<GitInfo> {
  const git = (...args: string[]) =>
    new Promise<string | null>((resolve) => {
      execFile("git", args, { cwd, encoding: "utf8", timeout: 5000 }, (error, stdout) => resolve(error ? null : nonEmpty(stdout)));
    });
  const logged = loggedFrom(await git(...LOG));
  return gitInfoFrom(logged, logged?.tagged ? await git(...DESCRIBE) : null);
}

/**
 * The commit, its author time and the refs at it: HEAD (`HEAD -> branch` when on one), its branches
 * and tags. The refs are named explicitly (--decorate-refs), so that no log.excludeDecoration hides
 * one, and short (--decorate=short), whatever log.decorate says.
 */
const LOG = ["log", "-1", "--no-color", "--decorate=short", "--decorate-refs=HEAD", "--decorate-refs=refs/heads/", "--decorate-refs=refs/tags/", "--format=%H%x00%aI%x00%D", "HEAD"];
const DESCRIBE = ["describe", "--tags", "--exact-match", "HEAD"];

interface Logged {
  readonly sha: string;
  readonly authored: string | null;
  readonly branch: string | null;
  readonly tagged: boolean;
}

/** Ref names hold no spaces, so the decorations split on ", ". */
function loggedFrom(out: string | null): Logged | null {
  const [sha, authored, refs] = out?.split("\0") ?? [];
  if (!sha) return null;
  const decorations = refs?.trim() ? refs.trim().split(", ") : [];
  const head = decorations.find((ref) => ref.startsWith("HEAD -> "));
  return { sha, authored: authored || null, branch: head ? head.slice("HEAD -> ".length) : null, tagged: decorations.some((ref) => ref.startsWith("tag: ")) };
}

function gitInfoFrom(logged: Logged | null, tag: string | null): GitInfo {
  if (logged === null) return NO_GIT;
  const time = logged.authored === null ? Number.NaN : Date.parse(logged.authored);
  return { branch: logged.branch, sha: logged.sha, tag, authorTime: Number.isNaN(time) ? null : new Date(time).toISOString() };
}

function nonEmpty(out: string): string | null {
  const text = out.trim();
  return text === "" ? null : text;
}
