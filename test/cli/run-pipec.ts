/** Runs the real `pipec` binary (bin/pipec.mjs, built into dist/ by `npm test`) and captures its output. */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";

export const PIPEC = join(import.meta.dirname, "..", "..", "bin", "pipec.mjs");

export interface PipecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPipec(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): PipecResult {
  const result = spawnSync(process.execPath, [PIPEC, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runPipec` that leaves the event loop free, for tests that serve something pipec's jobs reach. */
export function runPipecAsync(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PipecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PIPEC, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails when `text` holds a stack frame: a user's mistake must never print pipec's stack. */
export const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** A copy of examples/ in a temporary folder for the file's tests (made before them, removed after); returns its path. */
export function useExamplesCopy(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    cpSync(join(import.meta.dirname, "..", "..", "examples"), dir, { recursive: true });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}
