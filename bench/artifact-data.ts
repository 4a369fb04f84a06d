/**
 * Data for the artifacts benchmark: a big random file, many small random files spread over
 * directories, and the cached-pipeline DAG (every job writes and declares an output, and takes its
 * needs' outputs as inputs). The layouts are pure and seeded; writing them is the only I/O here.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { generateDag, mulberry32, type Dag } from "./generate.ts";
import { runCommand } from "./measure.ts";

export interface SmallFile {
  /** Relative posix path, e.g. `d007/f00107.bin`. */
  readonly path: string;
  readonly size: number;
}

export interface SmallFilesOptions {
  readonly count: number;
  /** @default 100 */
  readonly dirs?: number;
  /** @default 1024 */
  readonly minBytes?: number;
  /** @default 8192 */
  readonly maxBytes?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** `count` files, round-robin over `dirs` directories, sizes uniform in [minBytes, maxBytes]. */
export function smallFilesLayout(options: SmallFilesOptions): SmallFile[] {
  const { count, dirs = 100, minBytes = 1024, maxBytes = 8192, seed = 1 } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`smallFilesLayout: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(dirs) || dirs < 1) throw new RangeError(`smallFilesLayout: dirs must be a positive integer, got ${dirs}`);
  if (!(minBytes >= 0 && maxBytes >= minBytes)) throw new RangeError(`smallFilesLayout: bad size range ${minBytes}-${maxBytes}`);
  const random = mulberry32(seed);
  const dirWidth = String(dirs - 1).length;
  const fileWidth = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => ({
    path: `d${String(i % dirs).padStart(dirWidth, "0")}/f${String(i).padStart(fileWidth, "0")}.bin`,
    size: minBytes + Math.floor(random() * (maxBytes - minBytes + 1)),
  }));
}

export const totalBytes = (files: readonly SmallFile[]): number => files.reduce((sum, file) => sum + file.size, 0);

/** Writes the files under `root` with random contents, `parallel` at a time. */
export async function writeSmallFiles(root: string, files: readonly SmallFile[], parallel = 32): Promise<void> {
  const dirs = [...new Set(files.map((file) => dirname(file.path)))];
  for (const dir of dirs) await mkdir(join(root, dir), { recursive: true });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      await writeFile(join(root, file.path), randomBytes(file.size));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, lane));
}

/** `head -c <mib>M /dev/urandom > path`: streamed, never held in memory. */
export async function writeRandomFile(path: string, mib: number): Promise<void> {
  if (!Number.isInteger(mib) || mib < 1) throw new RangeError(`writeRandomFile: mib must be a positive integer, got ${mib}`);
  await mkdir(dirname(path), { recursive: true });
  const { code, stderr } = await runCommand(["sh", "-c", `head -c ${mib}M /dev/urandom > ${shQuote(path)}`], { cwd: dirname(path) });
  if (code !== 0) throw new Error(`writing ${mib} MiB of random data to ${path} failed: ${stderr.trim()}`);
}

export const shQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The floor of storing: sha256sum of every file of `tree` (a file or a directory), then `cp -a` of it
 * to `dest` (which must not exist). What a store has to do at least: read and hash every byte, write a copy.
 */
export function floorStoreScript(tree: string, dest: string): string {
  return `find ${shQuote(tree)} -type f -print0 | xargs -0 -r sha256sum > /dev/null && cp -a ${shQuote(tree)} ${shQuote(dest)}`;
}

/**
 * The floor of restoring: sha256sum of every object in the store (the verification restore does),
 * then `cp -a` of the same tree to a fresh `dest` (the writing).
 */
export function floorRestoreScript(objectsDir: string, tree: string, dest: string): string {
  return `find ${shQuote(objectsDir)} -type f -print0 | xargs -0 -r sha256sum > /dev/null && cp -a ${shQuote(tree)} ${shQuote(dest)}`;
}

/**
 * The cached-pipeline DAG: the edges of `generateDag(n, seed)`, each one an input (the need's `out`
 * output, restored into the job's workspace) instead of a plain need; every job writes
 * `out/<name>.txt` and declares it as its output `out`.
 */
export function cachedOutputsDag(n: number, seed = 1): Dag {
  const base = generateDag(n, seed);
  return {
    name: `cached-${n}`,
    edges: base.edges,
    jobs: base.jobs.map((job) => ({
      name: job.name,
      needs: [],
      inputs: job.needs.map((need) => ({ job: need, output: "out" })),
      scripts: [`mkdir -p out && echo ${job.name} > out/${job.name}.txt`],
      outputs: { out: `out/${job.name}.txt` },
    })),
  };
}
