/**
 * Which files a run's snapshot holds, and which of them must be read: the project's files (see
 * list-project-files.ts) are lstat'ed one by one, synchronously (100,000 promises cost more than the
 * calls), and a file whose stat matches the stat cache keeps its digest. Sockets, FIFOs and devices
 * are left out with a warning; a symlink leaving the project is left out with a warning, an absolute
 * one inside it is made relative; a symlink loop is kept as it is, with a warning.
 */
import { readlinkSync, realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SnapshotError, type SnapshotFile, type SnapshotInput } from "../artifacts/index.ts";
import { createLstat, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type FileStatFields, type Lstat } from "./file-stat.ts";
import { ALWAYS_EXCLUDED, isGitWorkTree, listGitFiles, walkFiles } from "./list-project-files.ts";
import type { FileStat, StatCache } from "./stat-cache.ts";

/** A regular file as scanned: what the store needs, and the rest of its stat for the next stat cache. */
export type ScannedFile = SnapshotFile & FileStat;
type ScannedLink = Extract<SnapshotInput, { kind: "symlink" }>;

export interface ProjectScan {
  /** Files and symlinks, in the order found (git's order inside a work tree). */
  readonly inputs: (ScannedFile | ScannedLink)[];
  /** How many files the stat cache gave no digest for (they must be read). */
  readonly unknown: number;
  readonly warnings: string[];
  /** How the files were chosen: `git` (tracked plus untracked not ignored) or `all` (no git work tree). */
  readonly selection: "git" | "all";
}

/** `skip`: project-relative paths left out with everything under them (the run folder, files of secret values). */
export async function scanProject(projectDir: string, cache: StatCache, skip: ReadonlySet<string>): Promise<ProjectScan> {
  const scanner = new Scanner(projectDir, await realpath(projectDir), cache, skip);
  let selection: ProjectScan["selection"] = "git";
  try {
    // git is asked for the list first (one process, not two): only when it lists nothing and fails
    // does it matter whether this is a work tree at all (not one: every file is taken).
    let batches = 0;
    try {
      for await (const batch of listGitFiles(projectDir)) {
        batches++;
        scanner.addAll(batch);
      }
    } catch (cause) {
      if (batches > 0 || (await isGitWorkTree(projectDir))) throw cause;
      selection = "all";
      scanner.addAll(walkFiles(projectDir));
    }
  } catch (cause) {
    throw asSnapshotError(cause, projectDir);
  }
  return { inputs: scanner.inputs, unknown: scanner.unknown, warnings: scanner.warnings, selection };
}

const SLASH = 0x2f;

class Scanner {
  readonly inputs: (ScannedFile | ScannedLink)[] = [];
  readonly warnings: string[] = [];
  unknown = 0;
  private readonly prefix: string;
  private readonly skipped: readonly string[];
  private readonly lstat: Lstat = createLstat();

  constructor(
    private readonly root: string,
    private readonly realRoot: string,
    private readonly cache: StatCache,
    skip: ReadonlySet<string>,
  ) {
    this.prefix = root.endsWith("/") ? root : `${root}/`;
    this.skipped = [...skip];
  }

  addAll(paths: readonly string[]): void {
    for (const path of paths) this.add(path);
  }

  private add(path: string): void {
    if (this.skipped.length > 0 && this.skipped.some((x) => path === x || (path.startsWith(x) && path.charCodeAt(x.length) === SLASH))) return;
    // Listed paths are already normal (no "." or ".." parts, no doubled "/"): no join() per file.
    const abs = this.prefix + path;
    const stats = this.lstat(abs);
    // Listed by git but deleted from the work tree, or removed while we walk: nothing to take.
    if (stats === undefined) return;
    const type = stats.mode & S_IFMT;
    if (type === S_IFREG) return this.addFile(path, stats);
    if (type === S_IFLNK) return this.addLink(path, abs);
    if (type === S_IFDIR) {
      // A git submodule or an untracked nested repository is listed as one path: take its files (without its .git).
      for (const inner of walkFiles(abs, ALWAYS_EXCLUDED)) this.add(`${path}/${inner}`);
      return;
    }
    const kind = type === S_IFIFO ? "a FIFO" : type === S_IFSOCK ? "a socket" : "a device";
    this.warnings.push(`skipped ${path}: ${kind}, not a regular file, directory or symlink`);
  }

  /** `stats` is the lstat's reused object: read here, never kept. */
  private addFile(path: string, stats: FileStatFields): void {
    const file = { path, kind: "file" as const, mode: stats.mode & 0o777, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, digest: null as string | null };
    file.digest = this.cache.digestOf(path, file);
    if (file.digest === null) this.unknown++;
    this.inputs.push(file);
  }

  private addLink(path: string, abs: string): void {
    const target = readlinkSync(abs);
    const roots = [resolve(this.root), this.realRoot];
    const root = roots.find((candidate) => isWithin(candidate, resolve(candidate, dirname(path), target)));
    if (root === undefined) return this.skipLink(path, target);
    let real: string | null = null;
    try {
      real = realpathSync(abs);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ELOOP") this.warnings.push(`symlink ${path} -> ${target} is a loop (it never resolves); kept as it is`);
    }
    // Lexically inside; make sure no symlinked directory on the way leads out.
    if (real !== null && !isWithin(this.realRoot, real)) return this.skipLink(path, target);
    this.inputs.push({ path, kind: "symlink", target: isAbsolute(target) ? relative(join(root, dirname(path)), target) || "." : target });
  }

  private skipLink(path: string, target: string): void {
    this.warnings.push(`skipped symlink ${path} -> ${target}: it points outside the project`);
  }
}

function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** A file-system error while listing, named by the project path it happened on. */
function asSnapshotError(cause: unknown, projectDir: string): unknown {
  if (cause instanceof SnapshotError) return cause;
  const error = cause as NodeJS.ErrnoException;
  if (typeof error?.code !== "string") return cause;
  const path = error.path ? relative(projectDir, error.path) || "." : null;
  const where = path ? `${path}: ` : "";
  if (error.code === "EACCES" || error.code === "EPERM") {
    return new SnapshotError(`cannot read ${where.slice(0, -2) || "the project"}: permission denied; make it readable, or leave it out of the project (.gitignore)`, path, { cause });
  }
  return new SnapshotError(`cannot list the project's files: ${where}${error.message}`, path, { cause });
}
