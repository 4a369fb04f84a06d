/** A second Ctrl-C makes pipec exit at once; the local executor's steps must not outlive it. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PIPEC } from "./run-pipec.ts";

describe("pipec run --executor local, stopped twice", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-hard-stop-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("kills a step that ignores SIGTERM and SIGINT when pipec exits on the second Ctrl-C", async () => {
    const marker = `pipec-stubborn-${process.pid}-${Date.now()}`;
    writeFileSync(
      join(dir, "stubborn.yaml"),
      `name: stubborn\njobs:\n  hold:\n    image: busybox:1.36\n    steps:\n      - script: trap "" TERM INT; exec sh -c 'trap "" TERM INT; while :; do sleep 0.1; done' ${marker}\n`,
    );
    const child = spawn(process.execPath, [PIPEC, "run", "stubborn.yaml", "--executor", "local"], { cwd: dir, env: { ...process.env, CI: "true" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!running(marker)) {
        if (Date.now() > deadline) throw new Error(`the step did not start: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(running(marker)).toBe(false);
    } finally {
      child.kill("SIGKILL");
      spawnSync("pkill", ["-KILL", "-f", marker]);
    }
  }, 30_000);
});

/** Whether a process whose command line holds `marker` runs. */
function running(marker: string): boolean {
  return spawnSync("pgrep", ["-f", marker]).status === 0;
}
