/**
 * A keyed digest (HMAC-SHA256) for values that must take part in a cache key without being kept:
 * secret values. The key is 32 random bytes made once per store (`hash-key`, readable by its owner
 * only), so a cache record cannot be tested against guessed values without that file, as a plain
 * sha256 of a short token could be by trying every candidate.
 */
import { createHmac, randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { tempPath } from "./atomic-file.ts";
import type { StoreLayout } from "./layout.ts";

const KEY_BYTES = 32;

/** The store's key, created on first use; two processes creating it at once agree on one (link fails on the loser). */
export async function readOrCreateHashKey(layout: StoreLayout): Promise<Buffer> {
  const existing = await readKey(layout.hashKey);
  if (existing) return existing;
  await mkdir(layout.tmp, { recursive: true });
  const temp = tempPath(layout.tmp);
  await writeFile(temp, randomBytes(KEY_BYTES), { mode: 0o600, flag: "wx" });
  try {
    await link(temp, layout.hashKey).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  } finally {
    await unlink(temp).catch(() => {});
  }
  const key = await readKey(layout.hashKey);
  if (!key) throw new Error(`the store's hash key ${layout.hashKey} is damaged: delete it (the job cache then misses once)`);
  return key;
}

export function keyedDigest(key: Buffer, value: string): string {
  return `hmac-sha256:${createHmac("sha256", key).update(value, "utf8").digest("hex")}`;
}

async function readKey(file: string): Promise<Buffer | undefined> {
  const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return data?.length === KEY_BYTES ? data : undefined;
}
