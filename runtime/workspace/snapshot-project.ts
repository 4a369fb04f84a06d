/**
 * The project's files as a run sees them: copied once per run into the run's directory, so that
 * edits made while the run goes on do not leak into its jobs, and every job starts from the same files.
 */
import { readdir, realpath } from "node:fs/promises";
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
 * `destDir` itself when it lies inside the project, nor any of `excluded` (absolute paths, such as
 * the file of secret values) that lies inside it. Modes and symlinks are kept; a symlink that points
 * outside the project is skipped and named in `warnings`.
 */
export async function snapshotProject(projectDir: string, destDir: string, excluded: readonly string[] = []): Promise<SnapshotResult> {
  await assertEmptyOrMissing(destDir);
  const git = await isGitWorkTree(projectDir);
  const listing = git ? listGitFiles(projectDir) : walkFiles(projectDir);
  const left = [destDir, ...excluded];
  const inProject = new Set((await Promise.all(left.map((path) => pathsInProject(projectDir, path)))).flat());
  const entries = inProject.size > 0 ? without(listing, inProject) : listing;
  const result = await copyTree(entries, { sourceRoot: projectDir, destRoot: destDir });
  return { ...result, selection: git ? "git" : "all" };
}

/**
 * `path` relative to the project ("/"-separated), as written and with symlinks resolved on both
 * sides (a secrets file named through a linked folder is still the same file); none when outside.
 */
async function pathsInProject(projectDir: string, path: string): Promise<string[]> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const pairs: Array<[string, string]> = [
    [resolve(projectDir), resolve(path)],
    [await real(projectDir), await real(path)],
  ];
  return pairs.flatMap(([root, target]) => {
    const inside = relative(root, target);
    return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? [inside.split(sep).join("/")] : [];
  });
}

async function* without(entries: AsyncIterable<string>, excluded: ReadonlySet<string>): AsyncGenerator<string> {
  for await (const entry of entries) {
    const path = entry.endsWith("/") ? entry.slice(0, -1) : entry;
    if ([...excluded].some((x) => path === x || path.startsWith(`${x}/`))) continue;
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
