/**
 * A job's image whose ENTRYPOINT does not run the command it is given, or that has no shell, through
 * the real binary and Docker: the steps still run (the entrypoint bypassed), the job's log says why,
 * and pipec finds out as soon as it can tell (the container exits, or drops its command), not after
 * the agent's 15 s wait; `${PATH}` is the image's configured one. An entrypoint that prepares and
 * then runs its command is still honoured.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOddImages, ODD_IMAGES } from "../setup/odd-images.ts";
import { dockerGate } from "../setup/require-docker.ts";
import { runPipecAsync } from "./run-pipec.ts";

const docker = await dockerGate("job container entrypoints (docker)");
const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function project(image: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pipec-entrypoint-"));
  folders.push(dir);
  writeFileSync(
    join(dir, "pipeline.yaml"),
    `name: entrypoints
image: ${image}
jobs:
  build:
    environment: { PATH: "\${PATH}:/opt/bin" }
    steps:
      - echo "step one ran"
      - echo two > made-by-step-two && cat made-by-step-two && cat /tmp/prepared 2>/dev/null || true
      - echo "path=$PATH"
`,
  );
  return dir;
}

const jobLog = (dir: string) => {
  const runs = join(dir, ".pipec", "runs");
  const run = join(runs, readdirSync(runs).sort().at(-1)!);
  return readFileSync(join(run, "logs", "build.log"), "utf8");
};

describe.runIf(docker.run)("a job image's entrypoint", () => {
  beforeAll(() => {
    docker.assertAvailable();
    buildOddImages();
  }, 120_000);

  it("runs the steps with the entrypoint bypassed when it exits without running its command, and says why", async () => {
    const dir = project(ODD_IMAGES.entrypointExits);
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(0);
    const why = `pipec: image ${ODD_IMAGES.entrypointExits}: its entrypoint did not run the command it was given (it exited with code 0, saying "entrypoint ignores its arguments"), so the job's steps run with the entrypoint bypassed`;
    // A step's stderr, as pipec's own.
    expect(result.stderr).toContain(`[build] ${why}\n`);
    // Said once, not per step; and the steps really ran (before, each "succeeded" printing the entrypoint's line).
    expect(result.stderr.split(why)).toHaveLength(2);
    expect(result.stdout).toContain("[build] step one ran\n");
    expect(result.stdout).toContain("[build] two\n");
    expect(result.stdout).not.toContain("[build] entrypoint ignores its arguments");
    // ${PATH} is the image's configuration's, not what its entrypoint prints.
    expect(result.stdout).toContain("[build] path=/bin:/opt/bin\n");
    expect(jobLog(dir)).toContain(why);
  }, 120_000);

  it("finds an entrypoint that runs on without its command at once, rather than after the agent's 15 s wait", async () => {
    const dir = project(ODD_IMAGES.entrypointServes);
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `[build] pipec: image ${ODD_IMAGES.entrypointServes}: its entrypoint did not run the command it was given (it runs on, but no process in the container holds the command any more), so the job's steps run with the entrypoint bypassed\n`,
    );
    expect(result.stderr).not.toContain("after 15 s");
    expect(result.stdout).toContain("[build] path=/bin:/opt/bin\n");
    expect(result.stdout).toContain("[build] step one ran\n");
    expect(result.stdout).toContain("[build] two\n");
  }, 120_000);

  it("keeps an entrypoint that prepares for a while and then runs its command (exec \"$@\")", async () => {
    const dir = project(ODD_IMAGES.entrypointPrepares);
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain("bypassed");
    expect(result.stdout).toContain("[build] step one ran\n");
    // Written by the entrypoint before it ran the steps' agent: the steps ran after it, in its container.
    expect(result.stdout).toContain("[build] two\n[build] prepared\n");
  }, 120_000);

  it("fails a job whose image has no sh at once, saying so, without retrying it", async () => {
    const dir = project(ODD_IMAGES.noShell);
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("[build] FAILED in");
    expect(result.stdout).toContain(`step "echo "step one ran"": image ${ODD_IMAGES.noShell} has no sh, and pipec runs every step as sh -e -c: use an image with a POSIX shell (it exited with code 127, saying "[FATAL tini (`);
    expect(result.stdout).not.toContain("command not found (exit 127)");
    expect(result.stdout).not.toContain("attempts");
    expect(result.stdout).not.toContain("step one ran\n");
  }, 120_000);
});
