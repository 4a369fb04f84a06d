/**
 * The manifest of an artifact: what its tree holds, stored as an object like any file. JSON Lines,
 * so that it is written and read one entry at a time whatever the number of files: a header line,
 * then one line per entry sorted by path. Paths are posix and relative to the workspace; a file
 * entry names the object holding its bytes, a symlink entry its target (always relative, inside the
 * artifact's tree). Modes are the permission bits (0o777); directories are not recorded, so empty
 * directories are not kept and restored directories get the default mode.
 */
import { createInterface } from "node:readline";
import { z } from "zod";
import { isOpen, openStoreFile } from "./object-store.ts";

export const MANIFEST_FORMAT = "pipec-manifest/1";

const ManifestHeaderSchema = z.object({ format: z.literal(MANIFEST_FORMAT) }).strict();

export const ManifestEntrySchema = z.discriminatedUnion("kind", [
  z.object({ path: z.string().min(1), kind: z.literal("file"), mode: z.number().int().min(0).max(0o777), size: z.number().int().min(0), digest: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  z.object({ path: z.string().min(1), kind: z.literal("symlink"), target: z.string().min(1) }).strict(),
]);
export type ManifestEntry = z.output<typeof ManifestEntrySchema>;

/** The manifest's lines, in canonical form (fixed key order, sorted by path), for `putObject`. */
export function* manifestLines(entries: readonly ManifestEntry[]): Generator<string> {
  yield `${JSON.stringify({ format: MANIFEST_FORMAT })}\n`;
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const canonical =
      entry.kind === "file"
        ? { path: entry.path, kind: entry.kind, mode: entry.mode, size: entry.size, digest: entry.digest }
        : { path: entry.path, kind: entry.kind, target: entry.target };
    yield `${JSON.stringify(canonical)}\n`;
  }
}

export class ManifestFormatError extends Error {}

/**
 * Reads a manifest object entry by entry. Throws ManifestFormatError on a bad header, a line that is
 * not an entry, or entries out of order or repeated (a tampered or damaged manifest).
 */
export async function* readManifest(path: string): AsyncGenerator<ManifestEntry> {
  const opened = await openStoreFile(path);
  if (!isOpen(opened)) throw new ManifestFormatError(`the manifest is ${opened.notAFile}`);
  const input = opened.createReadStream({ encoding: "utf8" });
  try {
    yield* parseManifestLines(createInterface({ input, crlfDelay: Infinity }));
  } finally {
    // A reader that stops early (an error, a break) must not leave the file open.
    input.destroy();
  }
}

async function* parseManifestLines(lines: AsyncIterable<string>): AsyncGenerator<ManifestEntry> {
  let header = true;
  let previous: string | undefined;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ManifestFormatError(`line ${lineNo} is not JSON`);
    }
    if (header) {
      if (!ManifestHeaderSchema.safeParse(value).success) throw new ManifestFormatError(`not a ${MANIFEST_FORMAT} manifest`);
      header = false;
      continue;
    }
    const parsed = ManifestEntrySchema.safeParse(value);
    if (!parsed.success) throw new ManifestFormatError(`line ${lineNo} is not a manifest entry: ${parsed.error.issues[0]?.message ?? ""}`);
    if (previous !== undefined && !(previous < parsed.data.path)) throw new ManifestFormatError(`line ${lineNo}: ${parsed.data.path} is out of order or repeated`);
    previous = parsed.data.path;
    yield parsed.data;
  }
  if (header) throw new ManifestFormatError("the manifest is empty");
}
