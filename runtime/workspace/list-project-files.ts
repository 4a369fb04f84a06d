/**
 * Which of a project's files belong in a snapshot. Inside a git work tree git decides (tracked files
 * plus untracked ones that .gitignore does not exclude); elsewhere every file except a few folders
 * that are never source. Paths are relative, "/"-separated, and come out as they are found, in
 * batches: the git listing is read from the child's stdout as it streams, never as one string, and
 * each chunk's paths are handed over together (one await per chunk, not one per file).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { readdirSync } from "node:fs";
import type { Readable } from "node:stream";

/** Never copied, whatever .gitignore says: pipec's own run store, git's database, installed packages (non-git only). */
export const ALWAYS_EXCLUDED = new Set([".git", ".pipec"]);
export const FALLBACK_EXCLUDED = new Set([".git", ".pipec", "node_modules"]);

/** True when `dir` is inside a git work tree and git is installed. */
export async function isGitWorkTree(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("git", ["rev-parse", "--is-inside-work-tree"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
    child.once("error", () => resolve(false));
    child.once("close", (code) => resolve(code === 0 && out.trim() === "true"));
  });
}

/**
 * `git ls-files -z --cached --others --exclude-standard`, run in `dir`, streamed in batches. A tracked
 * file deleted from the work tree is still listed (the caller finds it missing and skips it). git is
 * started at once, when this is called, so the caller may do other work while git lists.
 */
export function listGitFiles(dir: string): AsyncGenerator<string[]> {
  const child = spawn("git", ["-c", "core.quotePath=off", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return gitBatches(dir, child);
}

async function* gitBatches(dir: string, child: ChildProcessByStdio<null, Readable, Readable>): AsyncGenerator<string[]> {
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  exited.catch(() => {}); // reported below, after the output is consumed
  let pending: Buffer = Buffer.alloc(0);
  let previous = "";
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const batch: string[] = [];
      let start = 0;
      let end: number;
      while ((end = pending.indexOf(0, start)) >= 0) {
        // An untracked nested repository is listed as "dir/": handed over as "dir", a directory to take whole.
        const path = pending.toString("utf8", start, pending[end - 1] === 0x2f ? end - 1 : end);
        start = end + 1;
        // With unmerged entries, --cached lists a path once per stage, one after the other.
        if (path !== "" && path !== previous && !isExcluded(path, ALWAYS_EXCLUDED)) batch.push(path);
        previous = path;
      }
      pending = pending.subarray(start);
      if (batch.length > 0) yield batch;
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git ls-files failed in ${dir} (exit ${code}): ${stderr.trim() || "no message"}`);
}

/** Every file, symlink or special file under `dir` (directories are entered, not listed), except the `exclude` names at any depth. */
export function walkFiles(dir: string, exclude: ReadonlySet<string> = FALLBACK_EXCLUDED): string[] {
  const found: string[] = [];
  const walk = (prefix: string) => {
    for (const entry of readdirSync(prefix === "" ? dir : `${dir}/${prefix}`, { withFileTypes: true })) {
      if (exclude.has(entry.name)) continue;
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else found.push(path);
    }
  };
  walk("");
  return found;
}

/** Whether one of `path`'s "/"-separated parts (a trailing "/" aside) is in `names`. */
function isExcluded(path: string, names: ReadonlySet<string>): boolean {
  let mentioned = false;
  for (const name of names) mentioned ||= path.includes(name);
  if (!mentioned) return false;
  let start = 0;
  for (;;) {
    const end = path.indexOf("/", start);
    if (names.has(end < 0 ? path.slice(start) : path.slice(start, end))) return true;
    if (end < 0) return false;
    start = end + 1;
  }
}
