/**
 * Whole small files (records, pins, holders, cache entries) written atomically: into `tmp/` of the
 * store, flushed to disk, then renamed over the target. A crash leaves either the old file or the
 * new one, never a mix; a leftover temp file is removed by gc once its process is gone.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { z } from "zod";
import { processTag } from "./process-identity.ts";

/** This process's tag, and random bytes drawn once: a counter after them keeps names apart (a first run names 10,000 temp files). */
const TAG = `${processTag()}-${randomBytes(6).toString("hex")}`;
let made = 0;

/** A fresh temp path in `tmpDir`, named after this process so gc can tell whether it is abandoned. */
export function tempPath(tmpDir: string): string {
  return `${tmpDir}/${TAG}-${(made++).toString(36)}`;
}

export async function writeFileAtomic(tmpDir: string, target: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPath(tmpDir);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target).catch(async (error: NodeJS.ErrnoException) => {
      // The directory went meanwhile (gc removes empty holder directories): make it again, once.
      if (error.code !== "ENOENT") throw error;
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    });
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

export async function writeJsonAtomic(tmpDir: string, target: string, value: unknown): Promise<void> {
  await writeFileAtomic(tmpDir, target, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file through its schema: undefined when the file is missing, an Error when it is invalid. */
export async function readJson<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T> | undefined | Error> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  } catch (error) {
    return new Error(`${path}: not JSON (${(error as Error).message})`);
  }
}

/** Flushes a directory's entries (renames into it) to disk. Best effort: some file systems refuse. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close();
}

export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
