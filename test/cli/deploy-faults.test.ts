/**
 * Faults of deploy jobs, end to end through the real binary: each gets a message that says what went
 * wrong and what to do, the documented exit code, and leaves nothing running.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../setup/require-docker.ts";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import { runPipec } from "./run-pipec.ts";
import { removeProject } from "./supervised-helpers.ts";

const APP = join(import.meta.dirname, "..", "setup", "images", "node-app", "server.js");

/** Whether something still listens on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}

/** Waits (at most 30 s) until the detached remover has emptied `.pipec/trash` and ended. */
async function trashRemoved(dir: string): Promise<void> {
  const trash = join(dir, ".pipec", "trash");
  const remover = (line: string) => line.includes(trash);
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((done) => setTimeout(done, 100))) {
    if ((!existsSync(trash) || readdirSync(trash).length === 0) && !processesWith(dir).some(remover)) return;
  }
}

/** Host processes whose command line mentions `marker`. */
function processesWith(marker: string): string[] {
  try {
    return execFileSync("pgrep", ["-af", marker], { encoding: "utf8" }).split("\n").filter((line) => line.includes(marker) && !line.includes("pgrep"));
  } catch {
    return [];
  }
}

function project(prefix: string, pipeline: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  copyFileSync(APP, join(dir, "server.cjs"));
  writeFileSync(join(dir, "p.pipeline.ts"), pipeline);
  return dir;
}

describe("deploy faults (process targets)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await removeProject(dir);
  }, 120_000);

  it("an instance that never becomes ready: the deadline's reason says what the health check answered", async () => {
    const port = await freePort();
    const dir = project(
      "pipec-deploy-faults-",
      `import { deploy, pipeline, processTarget } from "pipec";
const web = deploy.canary("web", {
  target: processTarget({ command: ["node", "server.cjs"] }),
  router: { listen: "127.0.0.1:${port}" },
  healthCheck: { command: ["pipec-no-such-probe-command"], interval: "200ms" },
  progressDeadline: "2s",
  steps: [{ setWeight: 50 }],
});
export default pipeline("p", { jobs: [web] });
`,
    );
    dirs.push(dir);
    const result = runPipec(["run", "p.pipeline.ts", "--executor", "local", "--no-typecheck"], { cwd: dir });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(result.stdout).toContain('canary-1 is not ready: "pipec-no-such-probe-command" could not run: no such command (ENOENT)');
    // The summary line itself names the cause, not only "unready: canary-1".
    expect(result.stdout).toMatch(/FAILED in .*progress deadline 2s exceeded: .*unready: canary-1.*; canary-1: "pipec-no-such-probe-command" could not run: no such command/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await listening(port)).toBe(false);
    // pipec's detached remover of the run's workspaces names the project while it works, and ends by itself.
    await trashRemoved(dir);
    expect(processesWith(dir)).toEqual([]);
  });
});

const docker = await dockerGate("deploy faults (docker targets)");
describe.runIf(docker.run)("deploy faults (docker targets)", () => {
  beforeAll(docker.assertAvailable);
  let dir: string;
  afterAll(() => removeProject(dir, { docker: true }), 120_000);

  it("a target image that is not on the engine: exit 1, says to build or load it, no container left", async () => {
    const port = await freePort();
    const name = `faults${port}`;
    dir = project(
      "pipec-deploy-faults-docker-",
      `import { deploy, docker, pipeline } from "pipec";
const web = deploy.canary("${name}", {
  target: docker({ image: "pipec-test/no-such-image:404" }),
  router: { listen: "127.0.0.1:${port}" },
  steps: [{ setWeight: 50 }],
});
export default pipeline("p", { jobs: [web] });
`,
    );
    const result = runPipec(["run", "p.pipeline.ts", "--no-typecheck"], { cwd: dir });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(result.stdout).toContain('image "pipec-test/no-such-image:404" is not on the Docker engine. Build or load it first');
    expect(await listening(port)).toBe(false);
    const left = execFileSync("docker", ["ps", "-aq", "--filter", `label=dev.pipec.deployment=${name}`], { encoding: "utf8" }).trim();
    expect(left).toBe("");
  });
});
