/** A second Ctrl-C makes pipec exit at once; the containers of its running jobs must not outlive it. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LABEL_JOB } from "../../runtime/docker/index.ts";
import { TEST_IMAGES, dockerGate } from "../setup/require-docker.ts";
import { PIPEC } from "./run-pipec.ts";

const docker = await dockerGate("pipec run stopped twice (docker)");

describe.runIf(docker.run)("pipec run (docker), stopped twice", () => {
  let dir: string;
  beforeAll(docker.assertAvailable);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pipec-docker-hard-stop-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("removes the job's container (and its service's) before it exits on the second Ctrl-C", async () => {
    const job = `hold-${process.pid}-${Date.now().toString(36)}`;
    writeFileSync(
      join(dir, "stubborn.yaml"),
      [
        "name: stubborn",
        "jobs:",
        `  ${job}:`,
        `    image: ${TEST_IMAGES.busybox}`,
        "    services:",
        `      - name: idle`,
        `        image: ${TEST_IMAGES.busybox}`,
        `        command: ["sleep", "600"]`,
        "    steps:",
        `      - script: trap "" TERM INT; while :; do sleep 0.1; done`,
        "",
      ].join("\n"),
    );
    const child = spawn(process.execPath, [PIPEC, "run", "stubborn.yaml", "--executor", "docker"], { cwd: dir, env: { ...process.env, CI: "true" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 60_000;
      // Both the job's container and its service's run, and the step has started.
      while (containersOf(job).length < 2) {
        if (Date.now() > deadline) throw new Error(`the step did not start: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      // Removed before pipec exited, not by a later run's reaper.
      expect(containersOf(job)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      for (const id of containersOf(job)) spawnSync("docker", ["rm", "-f", id]);
    }
  }, 90_000);
});

function containersOf(job: string): string[] {
  const { stdout } = spawnSync("docker", ["ps", "-aq", "--filter", `label=${LABEL_JOB}=${job}`], { encoding: "utf8" });
  return stdout.split("\n").filter((line) => line !== "");
}
