/**
 * Runs one command in a fresh child process and measures its wall time and peak RSS. Peak RSS comes
 * from GNU time (`/usr/bin/time -f %M`); without it, the field is null rather than a guess.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 600_000 */
  readonly timeoutMs?: number;
}

export interface Sample {
  readonly wallMs: number;
  /** Peak resident set size in MiB, or null when GNU time is not available. */
  readonly peakRssMb: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandFailedError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command.join(" ")} exited with ${exitCode}: ${stderr.trim().split("\n").slice(-5).join("\n")}`);
  }
}

const GNU_TIME = "/usr/bin/time";
let gnuTime: boolean | undefined;

/** Whether GNU time is there; installs it from Debian once if it is missing and we are root. */
export function ensureGnuTime(): boolean {
  if (gnuTime !== undefined) return gnuTime;
  if (!existsSync(GNU_TIME) && process.getuid?.() === 0) {
    spawnSync("sh", ["-c", "apt-get install -y -qq time || (apt-get update -qq && apt-get install -y -qq time)"], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 180_000,
    });
  }
  gnuTime = existsSync(GNU_TIME);
  return gnuTime;
}

/** Runs `command` once; rejects with CommandFailedError on a non-zero exit. */
export async function measure(command: readonly string[], options: RunOptions): Promise<Sample> {
  const scratch = await mkdtemp(join(tmpdir(), "pipec-measure-"));
  const rssFile = join(scratch, "rss");
  const argv = ensureGnuTime() ? [GNU_TIME, "-f", "%M", "-o", rssFile, ...command] : [...command];
  try {
    const start = performance.now();
    const { code, stdout, stderr } = await runCommand(argv, options);
    const wallMs = performance.now() - start;
    // Some tools (gitlab-ci-local) say what failed on stdout only.
    if (code !== 0) throw new CommandFailedError(command, code, stderr.trim() ? stderr : stdout);
    const kib = gnuTime ? Number.parseInt((await readFile(rssFile, "utf8")).trim().split("\n").pop() ?? "", 10) : Number.NaN;
    return { wallMs, peakRssMb: Number.isFinite(kib) ? kib / 1024 : null, stdout, stderr };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs `argv` to its end and collects its output; never rejects on a non-zero exit. */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 600_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The median sample by wall time (the upper middle one for an even count). */
export function median(samples: readonly Sample[]): Sample {
  if (samples.length === 0) throw new RangeError("median of no samples");
  const sorted = [...samples].sort((a, b) => a.wallMs - b.wallMs);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `command` `runs` times, calling `before` ahead of each run (to clear a cache, say); returns the median. */
export async function measureMedian(
  command: readonly string[],
  options: RunOptions & { readonly runs: number; readonly before?: () => Promise<void> },
): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < options.runs; i++) {
    await options.before?.();
    samples.push(await measure(command, options));
  }
  return median(samples);
}

/** The line of a tool's stderr that says what went wrong: the first that mentions an error, else the last one. */
export function summarize(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("at ") && !line.startsWith("npm warn"));
  return (lines.find((line) => /error/i.test(line)) ?? lines.pop() ?? "unknown error").slice(0, 200);
}
