/**
 * Job workspaces removed after the run, off the user's wait: thousands of small files whose unlinks
 * each wait ~1.5 ms for a discard on some disks (see remove-tree.ts) cost a first run of two jobs of
 * 10,000 files 0.5-2 s before pipec could exit. So the run's `work/` folder is renamed (one call)
 * into `.pipec/trash/`, which no reader of pipec ever looks into, and a detached process (node, with
 * no pipec code: `fs.rmSync` of each folder) removes it after pipec has exited. Nothing is left
 * forever: every run hands that process whatever `trash/` holds, so what a killed remover left is
 * removed by the next run. Where the rename cannot be made (another file system), or no process can
 * be started, the folder is removed here and now, as before.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { removeTree } from "./remove-tree.ts";

/** What the detached process runs: each folder given removed, failures left for the next run's remover. */
const REMOVER = `for (const dir of process.argv.slice(1)) { try { require("node:fs").rmSync(dir, { recursive: true, force: true, maxRetries: 2 }); } catch {} }`;

/** Moves `dir` into `trashDir` and starts the removal of all `trashDir` holds; resolves once pipec may exit. */
export async function removeLater(dir: string, trashDir: string): Promise<void> {
  try {
    await mkdir(trashDir, { recursive: true });
    await rename(dir, join(trashDir, `${basename(dirname(dir))}-${basename(dir)}-${randomBytes(4).toString("hex")}`));
  } catch (error) {
    // Nothing to move (no job made a workspace), else remove it here.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") await removeTree(dir);
  }
  const pending = (await readdir(trashDir).catch(() => [] as string[])).map((name) => join(trashDir, name));
  if (pending.length === 0) return;
  try {
    // Its working directory is `/`: one inside the project would keep the project's file system busy (no unmount) while it runs.
    const child = spawn(process.execPath, ["-e", REMOVER, ...pending.map((path) => resolve(path))], { detached: true, stdio: "ignore", cwd: "/" });
    child.on("error", () => {
      // No process after all: the next run's remover takes these.
    });
    child.unref();
  } catch {
    for (const path of pending) await removeTree(path);
  }
}
