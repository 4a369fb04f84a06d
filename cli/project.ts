/**
 * Which project a command works on, whatever folder it is run from. The project root is the git work
 * tree's root. Outside git it is the pipeline file's folder; for a command given no file, the nearest
 * folder up holding a default pipeline file or a `.pipec/` (else the current folder). `.pipec/` lives at
 * the root and nowhere else. A pipeline given on the command line must be inside the project of the
 * current folder; with no file, the root's `ci.pipeline.ts` (then `pipeline.yaml`, `pipeline.yml`) is
 * the pipeline.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

export const DEFAULT_PIPELINE_FILES = ["ci.pipeline.ts", "pipeline.yaml", "pipeline.yml"] as const;
const PROJECT_MARKERS = [...DEFAULT_PIPELINE_FILES, ".pipec"];

export class ProjectError extends Error {
  override readonly name = "ProjectError";
}

export interface Project {
  /** Absolute path of the project root: `.pipec/` lives here. */
  readonly root: string;
  /** How the root was found, for messages: "the git work tree" or "the folder of package.json" and so on. */
  readonly foundBy: string;
}

/** The project of a folder (the current one, for commands that take no pipeline). */
export function projectOf(dir: string): Project {
  const start = resolve(dir);
  const git = gitWorkTree(start);
  if (git) return { root: git, foundBy: "the git work tree" };
  for (let current = start; ; ) {
    const marker = PROJECT_MARKERS.find((name) => existsSync(join(current, name)));
    if (marker) return { root: current, foundBy: `the folder holding ${marker}` };
    const parent = dirname(current);
    if (parent === current) return { root: start, foundBy: "the current folder, in no git work tree" };
    current = parent;
  }
}

/**
 * The project and pipeline of a command that runs or builds one. With a file: the project of the
 * current folder when that is a git work tree and holds the file, else the file's own project; `run`
 * refuses a file outside the current folder's git work tree (which tree would its jobs see?), while
 * build, validate and graph, which only read it, take the file's own project. Without a file: the
 * root's default pipeline file.
 */
export function pipelineProject(cwd: string, file: string | undefined, mode: "run" | "read" = "run"): Project & { readonly file: string } {
  if (file === undefined) {
    const project = projectOf(cwd);
    const found = DEFAULT_PIPELINE_FILES.map((name) => join(project.root, name)).find(isFile);
    if (!found) {
      throw new ProjectError(
        `no pipeline file given, and none at the project root ${project.root} (${project.foundBy}): looked for ${DEFAULT_PIPELINE_FILES.join(", ")}. Pass one (pipec run path/to/x.pipeline.ts) or create one with pipec init`,
      );
    }
    return { ...project, file: relativeToCwd(cwd, found) };
  }
  const absolute = resolve(cwd, file);
  const fileDir = dirname(absolute);
  const cwdGit = gitWorkTree(resolve(cwd));
  if (cwdGit && mode === "read" && !inside(cwdGit, absolute)) return { ...fileProject(fileDir), file };
  const project = cwdGit ? { root: cwdGit, foundBy: "the git work tree of the current folder" } : fileProject(fileDir);
  if (!inside(project.root, absolute)) {
    throw new ProjectError(
      `${file} is outside the project ${project.root} (${project.foundBy}): pipec runs a pipeline in its own project. cd into the pipeline's project first (cd ${fileDir}), or move the pipeline into this one`,
    );
  }
  return { ...project, file };
}

/** The project of a pipeline file itself: its git work tree, else its folder. */
function fileProject(fileDir: string): Project {
  const fileGit = gitWorkTree(fileDir);
  return fileGit ? { root: fileGit, foundBy: "the pipeline's git work tree" } : { root: fileDir, foundBy: "the pipeline's folder, in no git work tree" };
}

/** The root of the git work tree holding `dir` (a `.git` folder or file, as in worktrees and submodules). */
export function gitWorkTree(dir: string): string | null {
  for (let current = dir; ; ) {
    if (existsSync(join(current, ".git"))) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function relativeToCwd(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** `pipelineProject` for a command: a ProjectError is printed as `pipec COMMAND: ...` and gives null (exit 2). */
export function findPipelineOrSay(command: "build" | "validate" | "graph" | "run", file: string | undefined, err: (text: string) => void): (Project & { readonly file: string; readonly cacheDir: string }) | null {
  try {
    const found = pipelineProject(process.cwd(), file, command === "run" ? "run" : "read");
    return { ...found, cacheDir: join(found.root, ".pipec", "cache") };
  } catch (cause) {
    if (!(cause instanceof ProjectError)) throw cause;
    err(`pipec ${command}: ${cause.message}\n`);
    return null;
  }
}

/** The project root for commands that take no pipeline (runs, logs, deploy, artifacts, approve). */
export const currentProjectRoot = (): string => projectOf(process.cwd()).root;
