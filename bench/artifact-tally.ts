/**
 * Counting what an artifact operation left on disk, for guards/artifact-guard.ts: the files and bytes
 * of a tree (a restore's destination), and of the objects an artifact's manifest names in a store (each
 * object's size on disk, so a truncated object shows). Read after the timed operation, never during.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { readManifest } from "../runtime/artifacts/manifest.ts";
import { storeLayout } from "../runtime/artifacts/layout.ts";
import type { Tally } from "./guards/artifact-guard.ts";

/** Regular files under `path` (or `path` itself when it is a file), and their bytes. Symlinks are not followed. */
export async function tallyTree(path: string): Promise<Tally> {
  const info = await lstat(path).catch(() => null);
  if (info === null) return { files: 0, bytes: 0 };
  if (info.isFile()) return { files: 1, bytes: info.size };
  if (!info.isDirectory()) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const sub = await tallyTree(join(path, entry.name));
    files += sub.files;
    bytes += sub.bytes;
  }
  return { files, bytes };
}

/** The file entries of artifact `id`'s manifest, each counted by its object's size on disk (a missing object counts no file). */
export async function tallyStoredArtifact(storeRoot: string, id: string): Promise<Tally> {
  const layout = storeLayout(storeRoot);
  const record = JSON.parse(await readFile(layout.record(id), "utf8")) as { manifest?: unknown };
  if (typeof record.manifest !== "string") throw new Error(`${layout.record(id)} names no manifest`);
  let files = 0;
  let bytes = 0;
  for await (const entry of readManifest(layout.object(record.manifest))) {
    if (entry.kind !== "file") continue;
    const object = await lstat(layout.object(entry.digest)).catch(() => null);
    if (object === null) continue;
    files++;
    bytes += object.size;
  }
  return { files, bytes };
}
