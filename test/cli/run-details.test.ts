/**
 * Run-time details a user hits, end to end through the real binary: ${HOME}/${PATH} in Docker jobs,
 * what the local executor does and does not enforce (network: none, steps that detach), the exit code
 * of a pipeline timeout, a plan edited after it was built, whole commands in the log files, and a
 * service that never gets ready.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkIsolation } from "../../runtime/executor/network-namespace.ts";
import { buildOddImages, ODD_IMAGES } from "../setup/odd-images.ts";
import { dockerGate, TEST_IMAGES } from "../setup/require-docker.ts";
import { runPipec, runPipecAsync } from "./run-pipec.ts";

const docker = await dockerGate("run details (docker)");
const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
const project = (pipeline: string) => {
  const dir = mkdtempSync(join(tmpdir(), "pipec-details-"));
  folders.push(dir);
  writeFileSync(join(dir, "pipeline.yaml"), pipeline);
  return dir;
};
const lastRun = (dir: string) => join(dir, ".pipec", "runs", readdirSync(join(dir, ".pipec", "runs")).sort().at(-1)!);

describe.runIf(docker.run)("docker executor", () => {
  beforeAll(docker.assertAvailable);

  it('resolves ${PATH} and ${HOME} from the image, as docker run would: the README\'s PATH: "${PATH}:/opt/bin" works', () => {
    const dir = project(`name: image-env
image: ${TEST_IMAGES.node}
global_env:
  PATH: "\${PATH}:/opt/bin"
jobs:
  show:
    environment: { CACHE_DIR: "\${HOME}/.cache" }
    steps:
      - echo "path=$PATH cache=$CACHE_DIR"
  plain:
    image: ${TEST_IMAGES.busybox}
    steps:
      - echo "path=$PATH"
`);
    const result = runPipec(["run", "--executor", "docker"], { cwd: dir });
    expect(result.code).toBe(0);
    // pipec-test/node:1 sets PATH=/usr/local/bin:/usr/bin:/bin and HOME=/root in its configuration.
    expect(result.stdout).toContain("[show] path=/usr/local/bin:/usr/bin:/bin:/opt/bin cache=/root/.cache");
    // pipec-test/busybox:1 sets PATH=/bin: each job's ${PATH} is its own image's.
    expect(result.stdout).toContain("[plain] path=/bin:/opt/bin\n");
  }, 120_000);

  it("gives a step with its own image that image's ${PATH} and ${HOME}, not the job image's (also in a job with no image)", () => {
    buildOddImages();
    const dir = project(`name: step-images
jobs:
  mixed:
    image: ${TEST_IMAGES.node}
    environment: { PATH: "\${PATH}:/opt/bin", CACHE_DIR: "\${HOME}/.cache" }
    steps:
      - echo "job path=$PATH cache=$CACHE_DIR"
      - name: tools
        image: ${ODD_IMAGES.otherEnv}
        script: hello-tool; echo "tools path=$PATH cache=$CACHE_DIR"
      - name: plain
        image: ${TEST_IMAGES.busybox}
        script: echo "plain path=$PATH"
  imageless:
    steps:
      - name: tools
        image: ${ODD_IMAGES.otherEnv}
        environment: { PATH: "\${PATH}:/opt/bin" }
        script: hello-tool; echo "imageless path=$PATH home=$HOME"
`);
    const result = runPipec(["run", "--executor", "docker"], { cwd: dir });
    expect(result.stdout + result.stderr).toContain("run success");
    expect(result.code).toBe(0);
    // pipec-test/node:1: PATH=/usr/local/bin:/usr/bin:/bin, HOME=/root.
    expect(result.stdout).toContain("[mixed] job path=/usr/local/bin:/usr/bin:/bin:/opt/bin cache=/root/.cache\n");
    // The tools image: PATH=/opt/tools/bin:/bin, HOME=/home/tester; its hello-tool is found on its own PATH.
    expect(result.stdout).toContain("[mixed] hello from the tools folder\n");
    expect(result.stdout).toContain("[mixed] tools path=/opt/tools/bin:/bin:/opt/bin cache=/home/tester/.cache\n");
    // pipec-test/busybox:1: PATH=/bin.
    expect(result.stdout).toContain("[mixed] plain path=/bin:/opt/bin\n");
    expect(result.stdout).toContain("[imageless] hello from the tools folder\n");
    expect(result.stdout).toContain("[imageless] imageless path=/opt/tools/bin:/bin:/opt/bin home=/home/tester\n");
  }, 120_000);

  it("gives a service its own image's ${PATH} and ${HOME} (as its image's user), not the job image's", () => {
    buildOddImages();
    const dir = project(`name: service-image-env
image: ${TEST_IMAGES.node}
jobs:
  uses-tools:
    services:
      - name: tools
        image: ${ODD_IMAGES.otherEnv}
        environment: { PATH: "\${PATH}:/opt/bin", SEEN_HOME: "\${HOME}" }
        command: [sleep, "600"]
        ready_command: [sh, -c, 'hello-tool && test "$PATH" = /opt/tools/bin:/bin:/opt/bin && test "$SEEN_HOME" = /home/tester || { echo "path=$PATH home=$SEEN_HOME" >&2; exit 1; }']
    steps:
      - echo "job path=$PATH"
`);
    const result = runPipec(["run", "--executor", "docker"], { cwd: dir });
    expect(result.stdout + result.stderr).toContain("run success");
    expect(result.code).toBe(0);
    // The job's steps keep pipec-test/node:1's PATH; the service got the tools image's (its hello-tool found on it).
    expect(result.stdout).toContain("[uses-tools] job path=/usr/local/bin:/usr/bin:/bin\n");
  }, 120_000);

  it("fails a job whose service never gets ready at the ready timeout (60 s), not the job's, naming the service and its ready command's last output", async () => {
    const dir = project(`name: never-ready
image: ${TEST_IMAGES.busybox}
jobs:
  waits:
    timeout: 10m
    services:
      - name: db
        image: ${TEST_IMAGES.busybox}
        command: [sleep, "600"]
        ready_command: [sh, -c, "echo still starting >&2; exit 7"]
    steps: [echo never]
`);
    const started = Date.now();
    const result = await runPipecAsync(["run", "--executor", "docker"], { cwd: dir, timeoutMs: 180_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[waits] FAILED');
    expect(result.stdout).toContain('service "db" was not ready after 1m: its readyCommand ["sh","-c","echo still starting >&2; exit 7"] it last exited with code 7: still starting');
    expect(result.stdout).not.toContain("job timed out");
    expect(result.stdout).not.toContain("[waits] never");
    expect(seconds).toBeLessThan(150);
  }, 200_000);
});

describe("local executor", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end("reached\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("says once what it does not enforce, and keeps network: none jobs off the network where the machine allows it", async () => {
    const dir = project(`name: local-gaps
image: busybox:1.36
jobs:
  offline:
    network: none
    resources: { cpus: 1 }
    steps:
      - wget -q -T 3 -O- http://127.0.0.1:${port}/ || echo unreachable
  online:
    network: host
    steps:
      - wget -q -T 3 -O- http://127.0.0.1:${port}/
`);
    // Asynchronously: the server the jobs try to reach answers from this process.
    const result = await runPipecAsync(["run", "--executor", "local"], { cwd: dir });
    expect(result.code).toBe(0);
    const isolation = networkIsolation();
    const network = isolation.available ? "" : `, network: none (job offline; ${isolation.why})`;
    const notice = `pipec: warning: the local executor runs steps as processes on this machine, with its tools, and does not enforce images (jobs offline, online), resource limits (job offline)${network}; use --executor docker for them\n`;
    expect(result.stderr.split(notice)).toHaveLength(2);
    expect(result.stdout).toContain("[online] reached");
    expect(result.stdout).toContain(isolation.available ? "[offline] unreachable" : "[offline] reached");
  }, 60_000);

  it("kills what a step started outside its process group (setsid, nohup) when the step ends", () => {
    const marker = `pipec-detached-${process.pid}-${Date.now()}`;
    const dir = project(`name: detach
image: busybox:1.36
jobs:
  leaves:
    steps:
      - setsid sh -c 'sleep 300' ${marker}-a & nohup setsid sh -c '(sleep 300 &) ; sleep 300' ${marker}-b >/dev/null 2>&1 & sleep 0.5; echo started
      - pgrep -f '${marker}-[ab]' >/dev/null && echo still-running || echo none-left
`);
    try {
      const result = runPipec(["run", "--executor", "local"], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("[leaves] none-left");
      expect(spawnSync("pgrep", ["-f", marker]).status).toBe(1);
    } finally {
      spawnSync("pkill", ["-KILL", "-f", marker]);
    }
  }, 60_000);

  it("exits 1 when the pipeline times out (a failure, not an interruption)", () => {
    const dir = project(`name: slow
image: busybox:1.36
timeout: 2s
jobs:
  sleepy:
    steps: [sleep 30]
`);
    const result = runPipec(["run", "--executor", "local"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("run failed (timeout)");
    expect(JSON.parse(readFileSync(join(lastRun(dir), "state.json"), "utf8")).status).toBe("failed");
  }, 60_000);

  it("says when a plan file was edited after it was built, and runs it as it is", () => {
    const dir = project(`name: edited
image: busybox:1.36
jobs:
  say:
    steps: [echo as built]
`);
    expect(runPipec(["build", "-o", "plan.yaml", "pipeline.yaml"], { cwd: dir }).code).toBe(0);
    expect(runPipec(["run", "plan.yaml", "--executor", "local"], { cwd: dir }).stderr).not.toContain("plan-edited");
    const plan = readFileSync(join(dir, "plan.yaml"), "utf8");
    writeFileSync(join(dir, "plan.yaml"), plan.replaceAll("echo as built", "echo as edited"));
    const result = runPipec(["run", "plan.yaml", "--executor", "local"], { cwd: dir });
    const digestLine = plan.split("\n").findIndex((line) => line.startsWith("digest:")) + 1;
    expect(result.stderr).toMatch(new RegExp(`plan\\.yaml:${digestLine}:9: warning\\[plan-edited\\]: this plan was changed after pipec build wrote it: its digest is sha256:[0-9a-f]{64}, its content's is sha256:[0-9a-f]{64}; pipec uses it as it is now`));
    expect(result.stdout).toContain("[say] as edited");
    expect(result.code).toBe(0);
  }, 60_000);

  it("keeps each step's whole command in its log file (the console may shorten it)", () => {
    const long = "echo this-command-is-much-longer-than-forty-characters-and-stays-whole";
    const dir = project(`name: long
image: busybox:1.36
jobs:
  talk:
    steps:
      - ${long}
      - name: named
        script: |
          echo first line
          echo second line
`);
    expect(runPipec(["run", "--executor", "local"], { cwd: dir }).code).toBe(0);
    const log = readFileSync(join(lastRun(dir), "logs", "talk.log"), "utf8");
    expect(log).toContain(`$ ${long}\n`);
    expect(log).toContain("--- step 2: named\n$ echo first line\n$ echo second line\nfirst line\nsecond line\n");
  }, 60_000);
});
