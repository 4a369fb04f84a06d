/**
 * The project's files as a run sees them: copied once per run into the run's directory, so that
 * edits made while the run goes on do not leak into its jobs, and every job starts from the same files.
 */
import { readdir } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { copyTree, type CopyResult } from "./copy-tree.ts";
import { isGitWorkTree, listGitFiles, walkFiles } from "./list-project-files.ts";

export interface SnapshotResult extends CopyResult {
  /** How the files were chosen: `git` (tracked plus untracked not ignored) or `all` (no git work tree). */
  readonly selection: "git" | "all";
}

/**
 * Copies `projectDir`'s files into `destDir` (created; it must be empty or missing). Inside a git
 * work tree .gitignore is honoured (`git ls-files --cached --others --exclude-standard`); elsewhere
 * everything is copied except `.git`, `.pipec` and `node_modules`. `.pipec` is never copied, nor is
 * `destDir` itself when it lies inside the project. Modes and symlinks are kept; a symlink that
 * points outside the project is skipped and named in `warnings`.
 */
export async function snapshotProject(projectDir: string, destDir: string): Promise<SnapshotResult> {
  await assertEmptyOrMissing(destDir);
  const git = await isGitWorkTree(projectDir);
  const listing = git ? listGitFiles(projectDir) : walkFiles(projectDir);
  const inside = relative(resolve(projectDir), resolve(destDir));
  const destInProject = inside !== "" && !inside.startsWith("..") && !isAbsolute(inside);
  const entries = destInProject ? without(listing, inside.split(sep).join("/")) : listing;
  const result = await copyTree(entries, { sourceRoot: projectDir, destRoot: destDir });
  return { ...result, selection: git ? "git" : "all" };
}

async function* without(entries: AsyncIterable<string>, excluded: string): AsyncGenerator<string> {
  for await (const entry of entries) {
    if (entry === excluded || entry === `${excluded}/` || entry.startsWith(`${excluded}/`)) continue;
    yield entry;
  }
}

async function assertEmptyOrMissing(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (names.length > 0) throw new Error(`cannot snapshot into ${dir}: the directory is not empty`);
}
