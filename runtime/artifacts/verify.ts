/**
 * `verify`: the whole store checked. Every object is re-hashed (streamed, a few at a time) and must
 * hash to its name; every record must be readable, its manifest present and intact, and every file
 * of the manifest must have its object, of the right size. Problems are data, one per damaged thing,
 * each naming the artifacts it touches. Objects that do not hash to their name are removed (they
 * cannot serve anyone, and removing them lets the next collect of the same bytes store them again);
 * the artifacts that needed them stay reported until their job runs again or gc removes them. A
 * damaged object in a pack (pack.ts) is reported alike but stays: the pack's other objects are sound.
 */
import { createHash } from "node:crypto";
import { unlink } from "node:fs/promises";
import type { StoreContext } from "./layout.ts";
import { shortId } from "./layout.ts";
import { ManifestFormatError, readManifest } from "./manifest.ts";
import { forEachLimited, hashFile, listObjects } from "./object-store.ts";
import { Packs } from "./pack.ts";
import { artifactLabel, listInfos } from "./record.ts";

export interface VerifyProblem {
  readonly kind: "corrupt-object" | "missing-object" | "bad-manifest" | "bad-record";
  readonly message: string;
  /** The artifact concerned, when there is one. */
  readonly id?: string;
  readonly artifact?: string;
  /** The file inside the artifact. */
  readonly path?: string;
  readonly expected?: string;
  readonly actual?: string;
}

export async function verifyStore(context: StoreContext): Promise<VerifyProblem[]> {
  const { layout } = context;
  const problems: VerifyProblem[] = [];
  const corrupt = new Map<string, { actual: string; size: number }>();
  const sizes = new Map<string, number>();
  await forEachLimited(listObjects(layout), context.concurrency, async (object) => {
    const found = await hashFile(object.path);
    if (!found) return;
    if (found.digest === object.digest) sizes.set(object.digest, found.size);
    else corrupt.set(object.digest, { actual: found.digest, size: found.size });
  });
  // Packed objects, where no sound loose object of the same digest was found (restore prefers the loose one).
  const packs = Packs.load(layout);
  try {
    for (const pack of packs.list) {
      for (const digest of pack.digests()) {
        if (sizes.has(digest)) continue;
        const bytes = packs.read(packs.find(digest)!);
        const actual = createHash("sha256").update(bytes).digest("hex");
        if (actual === digest) {
          sizes.set(digest, bytes.length);
          corrupt.delete(digest);
        } else if (!corrupt.has(digest)) corrupt.set(digest, { actual, size: bytes.length });
      }
    }
  } finally {
    packs.close();
  }

  const { infos, problems: unreadable } = await listInfos(layout);
  for (const error of unreadable) problems.push({ kind: "bad-record", message: `unreadable record: ${error.message}` });
  const usedCorrupt = new Set<string>();
  for (const info of infos) {
    const where = (path: string) => `artifact ${artifactLabel(info)} (${shortId(info.id)}, run ${info.runId}): ${path}`;
    const base = { id: info.id, artifact: artifactLabel(info) };
    const manifestDamage = corrupt.get(info.manifest);
    if (manifestDamage || !sizes.has(info.manifest)) {
      if (manifestDamage) usedCorrupt.add(info.manifest);
      const actual = manifestDamage?.actual ?? "missing";
      problems.push({ ...base, kind: "bad-manifest", path: "(manifest)", expected: info.manifest, actual, message: `${where("(manifest)")}: expected sha256 ${info.manifest}, ${actual === "missing" ? "the object is missing" : `got ${actual}`}` });
      continue;
    }
    try {
      for await (const entry of readManifest(layout.object(info.manifest))) {
        if (entry.kind !== "file") continue;
        const damage = corrupt.get(entry.digest);
        if (damage) {
          usedCorrupt.add(entry.digest);
          problems.push({ ...base, kind: "corrupt-object", path: entry.path, expected: entry.digest, actual: damage.actual, message: `${where(entry.path)}: expected sha256 ${entry.digest}, got ${damage.actual}` });
        } else if (!sizes.has(entry.digest)) {
          problems.push({ ...base, kind: "missing-object", path: entry.path, expected: entry.digest, actual: "missing", message: `${where(entry.path)}: object ${entry.digest} is missing` });
        } else if (sizes.get(entry.digest) !== entry.size) {
          problems.push({ ...base, kind: "corrupt-object", path: entry.path, expected: entry.digest, actual: entry.digest, message: `${where(entry.path)}: ${entry.size} bytes expected, the object has ${sizes.get(entry.digest)}` });
        }
      }
    } catch (error) {
      if (!(error instanceof ManifestFormatError)) throw error;
      problems.push({ ...base, kind: "bad-manifest", path: "(manifest)", message: `${where("(manifest)")}: ${error.message}` });
    }
  }
  for (const [digest, damage] of corrupt) {
    if (!usedCorrupt.has(digest)) problems.push({ kind: "corrupt-object", expected: digest, actual: damage.actual, message: `object ${digest} (used by no artifact) hashes to ${damage.actual}` });
    await unlink(layout.object(digest)).catch(() => {});
  }
  return problems;
}
