/**
 * Collecting a job's output into the store, after the job ran.
 *
 * 1. The patterns are checked (no absolute paths, no `..`) and matched without following symlinks.
 *    A pattern that matches nothing makes the output missing, unless it is optional.
 * 2. Each regular file is opened without following symlinks and streamed through sha256 into the
 *    store (see object-store.ts); its size is checked against what was read. A symlink is kept as a
 *    symlink if it stays inside the workspace (checked lexically and, when its target exists, by
 *    real path), else the job fails: an output never refers outside its workspace. Absolute links
 *    inside the workspace are stored relative. Sockets, FIFOs and devices are skipped with a warning.
 * 3. The manifest is stored as an object, the object directories are flushed, and only then is the
 *    record written (atomically): a crash at any point leaves at most unreferenced objects and temp
 *    files, which gc removes, never a record naming a missing object.
 */
import { constants } from "node:fs";
import { lstat, open, readlink, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { syncDirectory, writeJsonAtomic } from "./atomic-file.ts";
import { ArtifactChangedError, ArtifactError, ArtifactTooLargeError, ArtifactUnsafePathError } from "./errors.ts";
import type { StoreContext } from "./layout.ts";
import { manifestLines, type ManifestEntry } from "./manifest.ts";
import { writeHolder } from "./holders.ts";
import { checkPatterns, matchOutput } from "./match-outputs.ts";
import { forEachLimited, putObject } from "./object-store.ts";
import { processRef } from "./process-identity.ts";
import { artifactId, touchRecord, type ArtifactInfo, type ArtifactRecord } from "./record.ts";
import { isWithin, unsafeEntryPathReason } from "./safe-paths.ts";
import { registerWriter, waitForGc } from "./store-lock.ts";

/** An output as the plan declares it (OutputSchema). */
export interface OutputSpec {
  readonly paths: readonly string[];
  /** @default [] */
  readonly exclude?: readonly string[];
  /** @default false */
  readonly optional?: boolean;
  /** @default null (kept until a retention policy removes it) */
  readonly expireInMs?: number | null;
}

export interface CollectMeta {
  /** The output's name, e.g. `dist`. */
  readonly name: string;
  readonly job: string;
  readonly runId: string;
  readonly pipeline: string;
  /**
   * A holder (the run id) that references the new artifact from the moment its record exists, so
   * that gc cannot delete it before the jobs that consume it are done. Released with `release`.
   */
  readonly holdFor?: string;
  /** The most bytes (of regular files, as their sizes say) the output may hold: more fails with ArtifactTooLargeError. @default no limit */
  readonly maxBytes?: number;
}

export type CollectResult =
  | { readonly kind: "stored"; readonly record: ArtifactInfo; readonly newObjects: number; readonly warnings: readonly string[] }
  | { readonly kind: "missing"; readonly optional: boolean; readonly message: string };

export async function collectOutput(context: StoreContext, workspaceRoot: string, output: OutputSpec, meta: CollectMeta): Promise<CollectResult> {
  const label = `${meta.job}.${meta.name}`;
  const exclude = output.exclude ?? [];
  checkPatterns(label, output.paths, exclude);
  const root = resolve(workspaceRoot);
  const realRoot = await realpath(root);
  const match = await matchOutput(realRoot, output.paths, exclude);
  const optional = output.optional ?? false;
  if (match.paths.length === 0 || (match.unmatched.length > 0 && !optional)) {
    const excluded = exclude.length > 0 ? ` (after excluding ${exclude.join(", ")})` : "";
    const what = match.unmatched.map((p) => JSON.stringify(p)).join(", ");
    return { kind: "missing", optional, message: `output ${label} is missing: ${what} matched no files in the workspace${excluded}` };
  }

  const { layout } = context;
  const unregister = await registerWriter(layout);
  try {
    await waitForGc(layout, context.gcWaitMs);
    const walker = new OutputWalker(context, root, realRoot, label, meta.maxBytes ?? Number.POSITIVE_INFINITY);
    await forEachLimited(match.paths, context.concurrency, (path) => walker.add(path));
    const manifest = await putObject(layout, manifestLines(walker.entries));
    walker.touchedFans.add(manifest.digest.slice(0, 2));
    for (const fan of walker.touchedFans) await syncDirectory(join(layout.objects, fan));
    const now = context.now();
    const record: ArtifactRecord = {
      version: 1,
      id: artifactId({ ...meta, manifest: manifest.digest }),
      name: meta.name,
      job: meta.job,
      runId: meta.runId,
      pipeline: meta.pipeline,
      manifest: manifest.digest,
      files: walker.entries.length,
      bytes: walker.entries.reduce((sum, e) => sum + (e.kind === "file" ? e.size : 0), 0),
      createdAt: new Date(now).toISOString(),
      expiresAt: output.expireInMs === null || output.expireInMs === undefined ? null : new Date(now + output.expireInMs).toISOString(),
    };
    // The holder before the record: a gc that sees the record also sees the holder (see gc.ts).
    if (meta.holdFor !== undefined) await writeHolder(layout, meta.holdFor, [record.id], processRef(), now);
    await writeJsonAtomic(layout.tmp, layout.record(record.id), record);
    await touchRecord(layout, record.id, now);
    // Collected again (same run, same bytes): the artifact may have been pinned meanwhile.
    const pinned = (await stat(layout.pin(record.id)).catch(() => null)) !== null;
    const info: ArtifactInfo = { ...record, lastUsedAt: record.createdAt, pinned };
    return { kind: "stored", record: info, newObjects: walker.created.size, warnings: walker.warnings };
  } finally {
    await unregister();
  }
}

class OutputWalker {
  readonly entries: ManifestEntry[] = [];
  readonly warnings: string[] = [];
  readonly touchedFans = new Set<string>();
  /** Digests this collect created (a set: two equal files stored at once may both create it). */
  readonly created = new Set<string>();
  private readonly dirChecks = new Map<string, Promise<boolean>>();
  /** Bytes of the files added so far, counted before each is copied, so an over-size file is never stored. */
  private bytes = 0;

  constructor(
    private readonly context: StoreContext,
    private readonly root: string,
    private readonly realRoot: string,
    private readonly label: string,
    private readonly maxBytes: number,
  ) {}

  async add(path: string): Promise<void> {
    if (unsafeEntryPathReason(path) !== null) return this.refuse(path, "its path is not a plain relative path");
    if (!(await this.dirInside(dirname(path)))) return this.refuse(path, "a directory on its path leads outside the workspace");
    const abs = join(this.realRoot, path);
    const stats = await lstat(abs).catch((error: NodeJS.ErrnoException) => {
      // Names come to pipec as UTF-8 strings: bytes that are not UTF-8 became U+FFFD, a name that is not there.
      if (error.code === "ENOENT" && path.includes("\uFFFD")) {
        throw new ArtifactError(
          `output ${this.label}: the name of ${path} is not valid UTF-8 (\uFFFD marks the bytes), which an artifact cannot hold; rename the file in the job, or exclude it from the output`,
        );
      }
      throw error;
    });
    if (stats.isSymbolicLink()) this.entries.push({ path, kind: "symlink", target: await this.linkTarget(path, abs) });
    else if (stats.isFile()) {
      this.bytes += stats.size;
      if (this.bytes > this.maxBytes) throw new ArtifactTooLargeError(this.label, this.maxBytes, path);
      await this.addFile(path, abs);
    }
    else this.warnings.push(`output ${this.label}: skipped ${path}: not a regular file or symlink`);
  }

  private async addFile(path: string, abs: string): Promise<void> {
    // O_NOFOLLOW: if the file was swapped for a symlink since lstat, opening fails instead of following it.
    const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let stats;
    let stored;
    try {
      stats = await handle.stat();
      if (!stats.isFile()) return this.refuse(path, "it is no longer a regular file");
      stored = await putObject(this.context.layout, handle, stats.size);
    } finally {
      await handle.close();
    }
    if (stored.size !== stats.size) throw new ArtifactChangedError(`${this.label}: ${path}`, stats.size, stored.size);
    if (stored.created) {
      this.created.add(stored.digest);
      this.touchedFans.add(stored.digest.slice(0, 2));
    }
    this.entries.push({ path, kind: "file", mode: stats.mode & 0o777, size: stored.size, digest: stored.digest });
  }

  /** The target to store: refuses one leaving the workspace; absolute ones inside become relative. */
  private async linkTarget(path: string, abs: string): Promise<string> {
    const target = await readlink(abs);
    const roots = [this.realRoot, this.root];
    const inside = roots.find((root) => isWithin(root, resolve(root, dirname(path), target)));
    const real = await realpath(abs).catch(() => null);
    if (inside === undefined || (real !== null && !isWithin(this.realRoot, real))) {
      this.refuse(path, `it is a symlink to ${target}, outside the workspace; a symlink in an output must point inside the workspace`);
    }
    if (!isAbsolute(target)) return target;
    return relative(join(inside!, dirname(path)), target) || ".";
  }

  private dirInside(dir: string): Promise<boolean> {
    let check = this.dirChecks.get(dir);
    if (!check) {
      const abs = join(this.realRoot, dir);
      check = realpath(abs).then((real) => isWithin(this.realRoot, real), () => false);
      this.dirChecks.set(dir, check);
    }
    return check;
  }

  private refuse(path: string, why: string): never {
    throw new ArtifactUnsafePathError(`output ${this.label}: ${path} is refused: ${why}`, path);
  }
}
