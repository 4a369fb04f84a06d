/**
 * Artifact records: `artifacts/<id>.json`, written once (atomically) after every object of the
 * artifact, its manifest included, is in place, so a record never names a missing object. What
 * changes later lives outside the record: the last use is the file's mtime (touched on restore and
 * on a cache hit) and a pin is a marker file, so concurrent pins and restores never lose an update.
 *
 * The id is the sha256 of (pipeline, run, job, name, manifest digest), not of the manifest alone:
 * the same bytes produced by two runs are two artifacts (each run keeps its own, for "keep the last
 * N runs"), sharing every object. Collecting the same output again in the same run gives the same id.
 */
import { createHash } from "node:crypto";
import { readdir, stat, utimes } from "node:fs/promises";
import { z } from "zod";
import { readJson } from "./atomic-file.ts";
import { ArtifactAmbiguousError, ArtifactError, ArtifactNotFoundError } from "./errors.ts";
import { DIGEST, type StoreLayout } from "./layout.ts";

export const ArtifactIdSchema = z.string().regex(DIGEST, "an artifact id is 64 hex digits").brand<"ArtifactId">();
export type ArtifactId = z.output<typeof ArtifactIdSchema>;

export const ArtifactRecordSchema = z
  .object({
    version: z.literal(1),
    id: ArtifactIdSchema,
    /** The output's name in its job, e.g. `dist`. */
    name: z.string().min(1),
    job: z.string().min(1),
    runId: z.string().min(1),
    pipeline: z.string().min(1),
    /** sha256 of the manifest object. */
    manifest: z.string().regex(DIGEST),
    files: z.number().int().min(0),
    /** Bytes of the regular files (before deduplication). */
    bytes: z.number().int().min(0),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
  })
  .strict();
export type ArtifactRecord = z.output<typeof ArtifactRecordSchema>;

/** A record with what changes after it was written. */
export interface ArtifactInfo extends ArtifactRecord {
  readonly lastUsedAt: string;
  readonly pinned: boolean;
}

export function artifactId(parts: { pipeline: string; runId: string; job: string; name: string; manifest: string }): ArtifactId {
  const text = JSON.stringify([parts.pipeline, parts.runId, parts.job, parts.name, parts.manifest]);
  return createHash("sha256").update(text).digest("hex") as ArtifactId;
}

/** `job.name`, the way the artifact is named in messages. */
export function artifactLabel(record: Pick<ArtifactRecord, "job" | "name">): string {
  return `${record.job}.${record.name}`;
}

export async function readInfo(layout: StoreLayout, id: string): Promise<ArtifactInfo | undefined | Error> {
  const record = await readJson(layout.record(id), ArtifactRecordSchema);
  if (record === undefined || record instanceof Error) return record;
  if (record.id !== id) return new Error(`${layout.record(id)}: holds the record of ${record.id}`);
  const stats = await stat(layout.record(id)).catch(() => null);
  if (!stats) return undefined;
  const pinned = await stat(layout.pin(id)).then(
    () => true,
    () => false,
  );
  const lastUsed = Math.max(stats.mtimeMs, Date.parse(record.createdAt));
  return { ...record, lastUsedAt: new Date(lastUsed).toISOString(), pinned };
}

export async function listIds(layout: StoreLayout): Promise<string[]> {
  const names = await readdir(layout.artifacts).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === "ENOENT") return [] as string[];
    // Not "no artifacts": they may be there, unreadable (another user's store, a file in the way).
    const why = cause.code === "EACCES" || cause.code === "EPERM" ? "permission denied" : cause.code === "ENOTDIR" ? "a file is in the way" : cause.message;
    throw new ArtifactError(`cannot read the artifacts in ${layout.artifacts}: ${why}; run pipec as the user who owns the store, or fix its permissions`, { cause });
  });
  return names.filter((name) => name.endsWith(".json") && DIGEST.test(name.slice(0, -5))).map((name) => name.slice(0, -5)).sort();
}

/** Every readable record, and the problems with the unreadable ones. */
export async function listInfos(layout: StoreLayout): Promise<{ infos: ArtifactInfo[]; problems: Error[] }> {
  const infos: ArtifactInfo[] = [];
  const problems: Error[] = [];
  for (const id of await listIds(layout)) {
    const info = await readInfo(layout, id);
    if (info instanceof Error) problems.push(info);
    else if (info) infos.push(info);
  }
  return { infos, problems };
}

/** An artifact by full id or unique id prefix (at least 4 hex digits). */
export async function resolveId(layout: StoreLayout, ref: string): Promise<ArtifactId> {
  const prefix = ref.toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(prefix)) throw new ArtifactNotFoundError(ref, layout.root);
  const matches = (await listIds(layout)).filter((id) => id.startsWith(prefix));
  if (matches.length === 0) throw new ArtifactNotFoundError(ref, layout.root);
  if (matches.length > 1) throw new ArtifactAmbiguousError(ref, matches);
  return matches[0] as ArtifactId;
}

/** Marks an artifact used now (its record's mtime). */
export async function touchRecord(layout: StoreLayout, id: string, now: number): Promise<void> {
  const when = new Date(now);
  await utimes(layout.record(id), when, when).catch(() => {});
}
