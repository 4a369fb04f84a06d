/**
 * Copies a stream of relative paths from one directory to another, a few at a time. Files are
 * copied with `copyFile(..., COPYFILE_FICLONE)`: a reflink (copy-on-write clone) where the file
 * system can (btrfs, XFS, APFS), else the kernel copies (copy_file_range / sendfile), so no file
 * passes through this process's memory. Never hard links: a job may change a file in place.
 * Modes are kept (copyFile keeps the file's; directories get theirs at the end, deepest first, so
 * that a read-only directory does not stop its own copy). Symlinks are copied as symlinks.
 */
import { constants } from "node:fs";
import { chmod, copyFile, lstat, mkdir, readlink, realpath, symlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ALWAYS_EXCLUDED, walkFiles } from "./list-project-files.ts";

export interface CopyResult {
  /** Regular files and symlinks copied. */
  readonly files: number;
  /** Bytes of the regular files copied. */
  readonly bytes: number;
  /** What was left out and why: symlinks leaving the tree, sockets, FIFOs, devices. */
  readonly warnings: readonly string[];
}

export interface CopyTreeOptions {
  readonly sourceRoot: string;
  readonly destRoot: string;
  /**
   * Skip symlinks that point outside `sourceRoot` (with a warning) and rewrite absolute ones that
   * point inside it as relative, so that the copy never refers back to the original tree.
   * @default true
   */
  readonly confineSymlinks?: boolean;
  /** Copies in flight at once. @default 16 */
  readonly concurrency?: number;
}

/** Entries ending in "/" are directories (created even when empty); others are files or symlinks. */
export async function copyTree(entries: AsyncIterable<string>, options: CopyTreeOptions): Promise<CopyResult> {
  const copier = new TreeCopier(options, await realpath(options.sourceRoot));
  const limit = options.concurrency ?? 16;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const entry of entries) {
    if (failure) break;
    const task = copier.copy(entry).catch((error: unknown) => {
      failure ??= { error };
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  await copier.applyDirectoryModes();
  return { files: copier.files, bytes: copier.bytes, warnings: copier.warnings };
}

class TreeCopier {
  files = 0;
  bytes = 0;
  readonly warnings: string[] = [];
  private readonly dirs = new Map<string, Promise<void>>();

  constructor(
    private readonly options: CopyTreeOptions,
    private readonly realSourceRoot: string,
  ) {
    this.dirs.set("", mkdir(options.destRoot, { recursive: true }).then(() => {}));
  }

  async copy(entry: string): Promise<void> {
    if (entry.endsWith("/")) return this.ensureDir(entry.slice(0, -1));
    const source = join(this.options.sourceRoot, entry);
    const dest = join(this.options.destRoot, entry);
    let stats;
    try {
      stats = await lstat(source);
    } catch (error) {
      // Listed by git but deleted from the work tree, or removed while we walk: nothing to copy.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    if (stats.isFile()) {
      await this.ensureDir(parentOf(entry));
      await copyFile(source, dest, constants.COPYFILE_FICLONE);
      this.files++;
      this.bytes += stats.size;
    } else if (stats.isSymbolicLink()) {
      const target = await this.linkTarget(entry, await readlink(source));
      if (target === null) return;
      await this.ensureDir(parentOf(entry));
      await symlink(target, dest);
      this.files++;
    } else if (stats.isDirectory()) {
      // A git submodule is listed as one path: copy its files (without its .git).
      await this.ensureDir(entry);
      for await (const inner of walkFiles(source, ALWAYS_EXCLUDED)) await this.copy(`${entry}/${inner}`);
    } else {
      this.warnings.push(`skipped ${entry}: not a regular file, directory or symlink`);
    }
  }

  /** Sets each copied directory's mode to its source's, deepest first. */
  async applyDirectoryModes(): Promise<void> {
    const dirs = [...this.dirs.keys()].filter((dir) => dir !== "").sort((a, b) => b.length - a.length);
    for (const dir of dirs) {
      const stats = await lstat(join(this.options.sourceRoot, dir)).catch(() => null);
      if (stats?.isDirectory()) await chmod(join(this.options.destRoot, dir), stats.mode & 0o7777);
    }
  }

  private ensureDir(dir: string): Promise<void> {
    let made = this.dirs.get(dir);
    if (!made) {
      made = this.ensureDir(parentOf(dir)).then(async () => {
        await mkdir(join(this.options.destRoot, dir)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        });
      });
      this.dirs.set(dir, made);
    }
    return made;
  }

  /** The target to write, or null when the link leaves the tree (with a warning). */
  private async linkTarget(entry: string, target: string): Promise<string | null> {
    if (this.options.confineSymlinks === false) return target;
    const roots = [resolve(this.options.sourceRoot), this.realSourceRoot];
    const root = roots.find((candidate) => isWithin(candidate, resolve(candidate, parentOf(entry), target)));
    if (root === undefined) return this.skipLink(entry, target);
    // Lexically inside; make sure no symlinked directory on the way leads out.
    const real = await realpath(join(this.options.sourceRoot, entry)).catch(() => null);
    if (real !== null && !isWithin(this.realSourceRoot, real)) return this.skipLink(entry, target);
    if (!isAbsolute(target)) return target;
    return relative(join(root, parentOf(entry)), target) || ".";
  }

  private skipLink(entry: string, target: string): null {
    this.warnings.push(`skipped symlink ${entry} -> ${target}: it points outside the project`);
    return null;
  }
}

function parentOf(entry: string): string {
  const parent = dirname(entry);
  return parent === "." ? "" : parent;
}

function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
