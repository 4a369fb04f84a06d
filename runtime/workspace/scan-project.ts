/**
 * Which files a run's snapshot holds, and which of them must be read: the project's files (see
 * list-project-files.ts) are lstat'ed one by one, synchronously (100,000 promises cost more than the
 * calls; see file-stat.ts), and a file whose stat matches the stat cache keeps its digest. The last
 * snapshot's files are checked while git lists the project, so a file git names as it was is taken
 * without a second lstat; an unchanged tree makes no object per file. Sockets, FIFOs and devices
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
  /**
   * Files and symlinks, in the order found (git's order inside a work tree). Built when first read:
   * while every file is as the stat cache has it, the scan keeps only their entries' numbers.
   */
  readonly inputs: (ScannedFile | ScannedLink)[];
  /** How many regular files there are. */
  readonly files: number;
  /** The symlinks, [path, target], in the order found. */
  readonly links: (readonly [string, string])[];
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
      const listing = listGitFiles(projectDir);
      // While git lists (it walks every folder before it names the first file), the files of the last snapshot are checked.
      scanner.checkCachedFiles();
      for await (const batch of listing) {
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
  const { files, links, unknown, warnings } = scanner;
  return {
    get inputs() {
      return scanner.materialize();
    },
    files,
    links,
    unknown,
    warnings,
    selection,
  };
}

const SLASH = 0x2f;
const PERMISSIONS = 0o777;

class Scanner {
  readonly warnings: string[] = [];
  readonly links: (readonly [string, string])[] = [];
  files = 0;
  unknown = 0;
  private readonly inputs: (ScannedFile | ScannedLink)[] = [];
  /**
   * While every file so far is as cached (a cache hit each), what was found is kept here (a file as
   * its cache entry's index) rather than in `inputs`: an unchanged tree of 100,000 files then makes
   * no object and no digest string per file. The first file that is not goes back to `inputs`.
   */
  private pending: (number | ScannedLink)[] | null;
  private readonly prefix: string;
  private readonly skipped: readonly string[];
  private readonly lstat: Lstat = createLstat();
  /** Entries of the stat cache whose file was checked (checkCachedFiles) and found as cached: 1. */
  private checked: Uint8Array | null = null;
  /** The stat of the file at hand, as the stat cache compares it (reused, never kept). */
  private readonly stat = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0, mode: 0 };

  constructor(
    private readonly root: string,
    private readonly realRoot: string,
    private readonly cache: StatCache,
    skip: ReadonlySet<string>,
  ) {
    // Run from the project's root (the usual case), each lstat is given the path as listed: the kernel
    // then walks from the working directory, not from "/" through every folder above the project
    // (a fifth less time at 100,000 files). pipec never changes its working directory.
    this.prefix = resolve(process.cwd()) === resolve(root) ? "" : root.endsWith("/") ? root : `${root}/`;
    this.skipped = [...skip];
    this.pending = cache.files > 0 ? [] : null;
  }

  addAll(paths: readonly string[]): void {
    for (const path of paths) this.add(path);
  }

  /**
   * Checks the stat cache's files before the listing names them (the time git takes to list them is
   * not waited for twice): each still a regular file with its stat as cached is marked, and is taken
   * without another lstat when the listing names it, in the cache's order. A file the listing does
   * not name is not taken; one that cannot be checked now is checked when it is named.
   */
  checkCachedFiles(): void {
    if (this.pending === null) return;
    const checked = new Uint8Array(this.cache.files);
    const stat = this.stat;
    for (let index = 0; index < checked.length; index++) {
      let stats: FileStatFields | undefined;
      try {
        stats = this.lstat(this.prefix + this.cache.pathAt(index));
      } catch {
        continue;
      }
      if (stats === undefined || (stats.mode & S_IFMT) !== S_IFREG) continue;
      stat.size = stats.size;
      stat.mtimeMs = stats.mtimeMs;
      stat.ctimeMs = stats.ctimeMs;
      stat.ino = stats.ino;
      stat.mode = stats.mode & PERMISSIONS;
      if (this.cache.matchesAt(index, stat)) checked[index] = 1;
    }
    this.checked = checked;
  }

  /** Every file and symlink found, in order, each file with its stat and digest (as cached, or null). */
  materialize(): (ScannedFile | ScannedLink)[] {
    if (this.pending !== null) {
      for (const item of this.pending) this.inputs.push(typeof item === "number" ? this.cachedFile(item) : item);
      this.pending = null;
    }
    return this.inputs;
  }

  private add(path: string): void {
    if (this.skipped.length > 0 && this.skipped.some((x) => path === x || (path.startsWith(x) && path.charCodeAt(x.length) === SLASH))) return;
    if (this.checked !== null && this.pending !== null) {
      const index = this.cache.peek(path);
      if (index >= 0 && this.checked[index] === 1) {
        this.cache.take(index);
        this.files++;
        this.pending.push(index);
        return;
      }
    }
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
    this.files++;
    const stat = this.stat;
    stat.size = stats.size;
    stat.mtimeMs = stats.mtimeMs;
    stat.ctimeMs = stats.ctimeMs;
    stat.ino = stats.ino;
    stat.mode = stats.mode & PERMISSIONS;
    const index = this.cache.match(path, stat);
    if (index >= 0 && this.pending !== null) {
      this.pending.push(index);
      return;
    }
    this.materialize();
    const digest = index >= 0 ? this.cache.digestAt(index) : null;
    if (digest === null) this.unknown++;
    this.inputs.push({ path, kind: "file", mode: stat.mode, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, digest });
  }

  /** A file whose stat matched cache entry `index`, as addFile would have taken it. */
  private cachedFile(index: number): ScannedFile {
    const { path, stat, digest } = this.cache.fileAt(index);
    return { path, kind: "file", mode: stat.mode, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, digest };
  }

  private push(link: ScannedLink): void {
    this.links.push([link.path, link.target]);
    if (this.pending !== null) this.pending.push(link);
    else this.inputs.push(link);
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
    this.push({ path, kind: "symlink", target: isAbsolute(target) ? relative(join(root, dirname(path)), target) || "." : target });
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
