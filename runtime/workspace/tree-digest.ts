/**
 * A digest of a directory tree's content: every entry's path, kind, mode and bytes (or link target),
 * in path order, files streamed through the hash. The job cache keys on it: same files, same digest.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

export async function treeDigest(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const rel = prefix === "" ? name : `${prefix}/${name}`;
      const info = await lstat(path);
      if (info.isDirectory()) {
        await walk(path, rel);
      } else if (info.isSymbolicLink()) {
        hash.update(`L\0${rel}\0${await readlink(path)}\0`);
      } else if (info.isFile()) {
        hash.update(`F\0${rel}\0${(info.mode & 0o777).toString(8)}\0${info.size}\0`);
        for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      }
    }
  };
  await walk(root, "");
  return `sha256:${hash.digest("hex")}`;
}
