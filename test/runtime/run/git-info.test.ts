/**
 * The commit facts of a run (git-info.ts): one `git log` gives the commit, its author time and the
 * branch, and `git describe` is asked only when that log shows a tag at HEAD, so the answers must be
 * those of asking rev-parse and describe every time, whatever the user's log settings.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readGitInfo, readGitInfoInBackground } from "../../../runtime/run/git-info.ts";

let dir: string;
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir, encoding: "utf8" }).trim();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-git-info-"));
  git("init", "-q", "-b", "main");
  git("commit", "-q", "--allow-empty", "-m", "first");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const both = async () => {
  const now = readGitInfo(dir);
  expect(await readGitInfoInBackground(dir)).toEqual(now);
  return now;
};

describe("git info of a run", () => {
  it("an untagged commit: its sha, branch and author time, no tag", async () => {
    const info = await both();
    expect(info).toEqual({ sha: git("rev-parse", "HEAD"), branch: "main", tag: null, authorTime: new Date(git("log", "-1", "--format=%aI")).toISOString() });
  });

  it("a tagged commit: the tag git describe names, even when log.excludeDecoration hides tags", async () => {
    git("tag", "v1.0.0");
    expect((await both()).tag).toBe("v1.0.0");
    git("config", "log.excludeDecoration", "refs/tags/");
    expect((await both()).tag).toBe("v1.0.0");
  });

  it("a branch named with slashes, whatever log.decorate and log.excludeDecoration say: the branch as rev-parse names it", async () => {
    git("checkout", "-q", "-b", "feature/a,b");
    git("tag", "v3");
    git("config", "log.decorate", "full");
    git("config", "log.excludeDecoration", "refs/heads/");
    git("config", "--add", "log.excludeDecoration", "HEAD");
    expect(await both()).toMatchObject({ branch: git("rev-parse", "--abbrev-ref", "HEAD"), tag: "v3", sha: git("rev-parse", "HEAD") });
    expect((await both()).branch).toBe("feature/a,b");
  });

  it("an annotated tag on a detached HEAD: the tag, no branch", async () => {
    git("tag", "-a", "v2", "-m", "v2");
    git("checkout", "-q", "--detach");
    expect(await both()).toMatchObject({ tag: "v2", branch: null });
  });

  it("a tag on an older commit is not the commit's", async () => {
    git("tag", "old");
    git("commit", "-q", "--allow-empty", "-m", "second");
    expect((await both()).tag).toBeNull();
  });

  it("no git work tree: nothing", async () => {
    rmSync(join(dir, ".git"), { recursive: true, force: true });
    expect(await both()).toEqual({ branch: null, sha: null, tag: null, authorTime: null });
  });
});
