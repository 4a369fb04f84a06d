/**
 * Restoring an artifact into a directory (a consuming job's workspace, or `pipec artifacts get -o`).
 *
 * The manifest is hashed before it is trusted. Each file is streamed from its object through sha256
 * into a temp file beside its destination and renamed into place only when hash and size match, so a
 * damaged object fails with ArtifactIntegrityError and leaves no damaged file behind; the damaged
 * object itself is removed, so that the next collect of the same bytes stores them afresh. A small
 * file (up to SMALL_FILE_BYTES) is read whole and checked first, then created at its name directly
 * (exclusively: never through a symlink or over an existing file, which take the temp-file path):
 * fewer system calls for the trees of small files that dominate restores. A small object found in no
 * loose file is read from the pack holding it (pack.ts) and checked the same way.
 *
 * Nothing is written outside the destination, whatever the manifest says: every path must be a plain
 * relative path; directories are created one level at a time and an existing symlinked directory is
 * followed only if it resolves inside the destination; symlinks are created last (so no file is
 * written through one) and only with relative targets that stay inside, lexically, as resolved
 * when made, and whatever is restored after them (see unsafeLinkTargetReason).
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, realpath, rename, rm, symlink, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ArtifactError, ArtifactIntegrityError, ArtifactNotFoundError, ArtifactUnsafePathError } from "./errors.ts";
import type { StoreContext } from "./layout.ts";
import { ManifestFormatError, readManifest, type ManifestEntry } from "./manifest.ts";
import { copyThroughHash, forEachLimited, hashFile, isOpen, openStoreFile } from "./object-store.ts";
import { Packs } from "./pack.ts";
import { artifactLabel, readInfo, touchRecord, type ArtifactInfo } from "./record.ts";
import { isWithin, unsafeEntryPathReason, unsafeLinkTargetReason } from "./safe-paths.ts";

export interface RestoreResult {
  /** Regular files written. */
  readonly files: number;
  readonly symlinks: number;
  readonly bytes: number;
}

export async function restoreArtifact(context: StoreContext, id: string, destRoot: string): Promise<RestoreResult> {
  const { layout } = context;
  const info = await readInfo(layout, id);
  if (info === undefined) throw new ArtifactNotFoundError(id, layout.root);
  if (info instanceof Error) throw new ArtifactError(`the record of artifact ${id.slice(0, 12)} is damaged: ${info.message}`);
  const label = artifactLabel(info);
  const manifestPath = layout.object(info.manifest);
  const manifest = await hashFile(manifestPath);
  if (manifest?.digest !== info.manifest) {
    throw new ArtifactIntegrityError({ artifact: label, id, path: "(manifest)", expected: info.manifest, actual: manifest?.digest ?? "missing" });
  }
  await mkdir(destRoot, { recursive: true });
  const writer = new TreeWriter(context, info, await realpath(destRoot));
  const links: Extract<ManifestEntry, { kind: "symlink" }>[] = [];
  try {
    await forEachLimited(readManifest(manifestPath), context.concurrency, async (entry) => {
      const reason = unsafeEntryPathReason(entry.path);
      if (reason) throw new ArtifactUnsafePathError(`artifact ${label}: manifest path ${JSON.stringify(entry.path)} is refused (${reason}); nothing is written outside ${destRoot}`, entry.path);
      if (entry.kind === "symlink") links.push(entry);
      else await writer.writeFile(entry);
    });
  } catch (error) {
    if (error instanceof ManifestFormatError) throw new ArtifactError(`the manifest of artifact ${label} (${id.slice(0, 12)}) is invalid: ${error.message}`, { cause: error });
    throw error;
  } finally {
    writer.close();
  }
  for (const link of links) await writer.writeLink(link);
  await touchRecord(layout, id, context.now());
  return { files: writer.files, symlinks: links.length, bytes: writer.bytes };
}

/** Files up to this size are restored through memory (see the module comment). */
const SMALL_FILE_BYTES = 256 * 1024;

function tempName(dir: string, entry: ManifestEntry): string {
  return join(dir, `.${basename(entry.path)}.pipec-${randomBytes(4).toString("hex")}`);
}

class TreeWriter {
  files = 0;
  bytes = 0;
  private packs: Packs | undefined;
  private readonly dirs = new Map<string, Promise<string>>();

  constructor(
    private readonly context: StoreContext,
    private readonly info: ArtifactInfo,
    private readonly realDest: string,
  ) {
    this.dirs.set(".", Promise.resolve(realDest));
  }

  async writeFile(entry: Extract<ManifestEntry, { kind: "file" }>): Promise<void> {
    const dir = await this.ensureDir(dirname(entry.path));
    const target = join(dir, basename(entry.path));
    const object = this.context.layout.object(entry.digest);
    if (entry.size <= SMALL_FILE_BYTES) {
      const bytes = await this.readSmallObject(entry, object);
      if (!(await this.writeSmallFile(entry, target, bytes))) await this.replaceWith(entry, dir, target, bytes);
      return;
    }
    const temp = tempName(dir, entry);
    const source = await this.openObject(entry, object);
    let copied: { digest: string; size: number };
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        copied = await copyThroughHash(source, handle, entry.size);
      } finally {
        await handle.close();
      }
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    } finally {
      await source.close();
    }
    const { digest: actual, size } = copied;
    if (actual !== entry.digest || size !== entry.size) {
      await unlink(temp).catch(() => {});
      // The object's bytes do not match its name: it helps no one; drop it so the bytes can be stored again.
      if (actual !== entry.digest) await unlink(object).catch(() => {});
      throw this.integrityError(entry, actual, size);
    }
    await chmod(temp, entry.mode);
    await rename(temp, target);
    this.files++;
    this.bytes += size;
  }

  /** Closes what reading packed objects opened. */
  close(): void {
    this.packs?.close();
  }

  /** A small object's bytes, checked against its digest: the loose object, else the pack holding it. */
  private async readSmallObject(entry: Extract<ManifestEntry, { kind: "file" }>, object: string): Promise<Buffer> {
    const opened = await openStoreFile(object);
    let bytes: Buffer;
    if (isOpen(opened)) {
      try {
        // One byte more than expected: an object that grew reads as the wrong size.
        const buffer = Buffer.allocUnsafe(entry.size + 1);
        const { bytesRead } = await opened.read(buffer, 0, buffer.length, 0);
        bytes = buffer.subarray(0, bytesRead);
      } finally {
        await opened.close();
      }
    } else {
      const packed = opened.notAFile === "missing" ? (this.packs ??= Packs.load(this.context.layout)).find(entry.digest) : undefined;
      // Nothing usable there: openObject says what (and drops a non-file in the object's place).
      if (packed === undefined) return this.openObject(entry, object).then(() => Buffer.alloc(0));
      bytes = this.packs!.read(packed);
    }
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== entry.digest || bytes.length !== entry.size) {
      // A damaged loose object is dropped so the bytes can be stored again (a pack is kept: its other objects are sound).
      if (actual !== entry.digest && isOpen(opened)) await unlink(object).catch(() => {});
      throw this.integrityError(entry, actual, bytes.length);
    }
    return bytes;
  }

  /** Writes checked bytes at `target` directly; false when something is there already. */
  private async writeSmallFile(entry: Extract<ManifestEntry, { kind: "file" }>, target: string, bytes: Buffer): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(target, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    try {
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.chmod(entry.mode);
    } catch (error) {
      await handle.close();
      await unlink(target).catch(() => {});
      throw error;
    }
    await handle.close();
    this.files++;
    this.bytes += bytes.length;
    return true;
  }

  /** Checked bytes written beside `target` and renamed over whatever is there (never written through it). */
  private async replaceWith(entry: Extract<ManifestEntry, { kind: "file" }>, dir: string, target: string, bytes: Buffer): Promise<void> {
    const temp = tempName(dir, entry);
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.write(bytes, 0, bytes.length, 0);
        await handle.chmod(entry.mode);
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    this.files++;
    this.bytes += bytes.length;
  }

  private async openObject(entry: Extract<ManifestEntry, { kind: "file" }>, object: string): Promise<FileHandle> {
    const opened = await openStoreFile(object);
    if (isOpen(opened)) return opened;
    // Something else in the object's place helps no one either: drop it so the bytes can be stored again.
    if (opened.notAFile !== "missing") await rm(object, { recursive: true, force: true }).catch(() => {});
    throw this.integrityError(entry, opened.notAFile);
  }

  async writeLink(entry: Extract<ManifestEntry, { kind: "symlink" }>): Promise<void> {
    const dir = await this.ensureDir(dirname(entry.path));
    const refuse = (why: string) =>
      new ArtifactUnsafePathError(`artifact ${artifactLabel(this.info)}: symlink ${entry.path} -> ${entry.target} is refused: ${why}; nothing is written outside the destination`, entry.path);
    const unsafe = unsafeLinkTargetReason(entry.target);
    if (unsafe) throw refuse(unsafe);
    if (!isWithin(this.realDest, resolve(dir, entry.target))) throw refuse("it points outside the destination");
    const target = join(dir, basename(entry.path));
    const existing = await lstat(target).catch(() => null);
    if (existing?.isDirectory()) throw new ArtifactError(`artifact ${artifactLabel(this.info)}: cannot restore symlink ${entry.path}: a directory is in the way`);
    if (existing) await rm(target);
    await symlink(entry.target, target);
    // And as the kernel resolves it now, through links already there (the project's own included).
    const real = await realpath(target).catch(() => null);
    if (real !== null && !isWithin(this.realDest, real)) {
      await rm(target);
      throw refuse(`it resolves to ${real}, outside the destination, through the links already there`);
    }
  }

  /** The real path of `dir` (relative) under the destination, created level by level, never leaving it. */
  private ensureDir(dir: string): Promise<string> {
    let made = this.dirs.get(dir);
    if (!made) {
      made = this.ensureDir(dirname(dir)).then(async (parent) => {
        const path = join(parent, basename(dir));
        const stats = await lstat(path).catch(() => null);
        if (!stats) {
          await mkdir(path).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== "EEXIST") throw error;
          });
        }
        const real = await realpath(path);
        if (!isWithin(this.realDest, real)) {
          throw new ArtifactUnsafePathError(`artifact ${artifactLabel(this.info)}: ${dir} leads outside the destination (through a symlink); nothing was written there`, dir);
        }
        return real;
      });
      this.dirs.set(dir, made);
    }
    return made;
  }

  private integrityError(entry: Extract<ManifestEntry, { kind: "file" }>, actual: string, actualSize?: number): ArtifactIntegrityError {
    return new ArtifactIntegrityError({
      artifact: artifactLabel(this.info),
      id: this.info.id,
      path: entry.path,
      expected: entry.digest,
      actual,
      expectedSize: entry.size,
      ...(actualSize === undefined ? {} : { actualSize }),
    });
  }
}
