/**
 * Removes a folder of job workspaces at the end of a run: thousands of small files, so the calls are
 * synchronous (one unlink per file, the types from readdir, no stat each as fs.rm does), with the
 * event loop let in now and then. Anything unusual (a folder a job made read-only, a file that
 * appears meanwhile) is left to fs.rm, which knows how to retry.
 */
import { readdirSync, rmdirSync, unlinkSync } from "node:fs";
import { rm } from "node:fs/promises";
import { breather } from "../artifacts/breather.ts";

export async function removeTree(dir: string): Promise<void> {
  const breathe = breather();
  const remove = async (folder: string): Promise<void> => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) await remove(path);
      else unlinkSync(path);
      const pause = breathe();
      if (pause) await pause;
    }
    rmdirSync(folder);
  };
  try {
    await remove(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && (error as NodeJS.ErrnoException).path === dir) return;
    await rm(dir, { recursive: true, force: true });
  }
}
