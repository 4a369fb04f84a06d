/** Runs the real `pipec` binary (bin/pipec.mjs, built into dist/ by `npm test`) and captures its output. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

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
