/** What only the docker executor does: services, images, resource limits, networks, labels. */
import { execFile } from "node:child_process";
import { chown, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectDocker, containerLabels, runLabels, LABEL_RUN_ID } from "../../../runtime/docker/index.ts";
import { createDockerExecutor, type DockerExecutorOptions, type ResolvedService } from "../../../runtime/executor/index.ts";
import { TEST_IMAGES, dockerGate } from "../../setup/require-docker.ts";
import { JobSchema } from "../../../runtime/plan/schema.ts";
import { runJob, tempWorkspace, type JobOptions } from "./harness.ts";

const docker = await dockerGate("docker executor");
const execFileAsync = promisify(execFile);
const runId = `docker-exec-${process.pid}-${Date.now().toString(36)}`;
const PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/** A busybox web server on 127.0.0.1:PORT serving "hello from PORT", after an optional delay. */
function webService(name: string, port: number, delaySeconds = 0): ResolvedService {
  const script = `sleep ${delaySeconds}; mkdir -p /www && echo "hello from ${port}" > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www`;
  return {
    name,
    image: TEST_IMAGES.busybox,
    command: ["sh", "-c", script],
    env: {},
    readyCommand: ["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}/`],
  };
}

async function containersOf(labelRunId: string): Promise<string[]> {
  const { stdout } = await execFileAsync("docker", ["ps", "-aq", "--filter", `label=${LABEL_RUN_ID}=${labelRunId}`]);
  return stdout.split("\n").filter((line) => line !== "");
}

describe.runIf(docker.run)("docker executor", () => {
  let workspace: { dir: string; remove: () => Promise<void> };

  beforeAll(docker.assertAvailable);
  beforeEach(async () => {
    workspace = await tempWorkspace();
  });
  afterEach(async () => {
    await workspace.remove();
  });
  afterAll(async () => {
    if (docker.available) await connectDocker().removeByLabel(runLabels(runId));
  });

  const run = (options: Omit<JobOptions, "workspace" | "runId" | "baseEnv">, executorOptions: Partial<DockerExecutorOptions> = {}) =>
    runJob(createDockerExecutor(connectDocker(), { pullPolicy: "never", ...executorOptions }), {
      image: TEST_IMAGES.busybox,
      workspace: workspace.dir,
      runId,
      baseEnv: { PATH },
      ...options,
    });

  it("reaches its services on 127.0.0.1 once they are ready, and removes them afterwards", async () => {
    const result = await run({
      jobId: "with-services",
      // The first service takes a second to listen: the step only passes if readiness was awaited.
      services: [webService("web", 8088, 1), webService("other", 8089)],
      steps: [{ run: "wget -qO- http://127.0.0.1:8088/ && wget -qO- http://127.0.0.1:8089/" }],
    });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout")).toBe("hello from 8088\nhello from 8089\n");
    expect(await containersOf(runId)).toEqual([]);
  });

  it("reports a service that never gets ready, and still removes it", async () => {
    const result = await run(
      {
        services: [{ name: "db", image: TEST_IMAGES.busybox, command: ["sleep", "60"], env: {}, readyCommand: ["sh", "-c", "echo not yet; exit 3"] }],
        steps: [{ run: "echo never" }],
      },
      { serviceReadyTimeoutMs: 800 },
    );
    expect(result.outcome).toEqual({
      outcome: "infrastructure-error",
      message: 'service "db" was not ready after 800ms: its readyCommand ["sh","-c","echo not yet; exit 3"] it last exited with code 3: not yet',
    });
    expect(result.events).toEqual([]);
    expect(await containersOf(runId)).toEqual([]);
  });

  it("fails a never-ready service at its ready timeout even when garbage is collected meanwhile", async () => {
    // On Node 20, AbortSignal.any() holds its sources weakly: a bare AbortSignal.timeout() was
    // collected and never fired, and the job waited for its own timeout instead.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const collecting = setInterval(gc, 20);
    try {
      const result = await run(
        {
          services: [{ name: "db", image: TEST_IMAGES.busybox, command: ["sleep", "60"], env: {}, readyCommand: ["sh", "-c", "echo still starting; exit 1"] }],
          steps: [{ run: "echo never" }],
        },
        { serviceReadyTimeoutMs: 1500 },
      );
      expect(result.outcome).toEqual({
        outcome: "infrastructure-error",
        message: 'service "db" was not ready after 1.5s: its readyCommand ["sh","-c","echo still starting; exit 1"] it last exited with code 1: still starting',
      });
      expect(result.elapsedMs).toBeLessThan(15_000);
    } finally {
      clearInterval(collecting);
    }
    expect(await containersOf(runId)).toEqual([]);
  });

  it("says which service exited when the next one cannot join its network (not \"cannot join network of a non running container\")", async () => {
    const result = await run({
      services: [
        { name: "db", image: TEST_IMAGES.busybox, command: ["sh", "-c", "echo bad config >&2; exit 3"], env: {}, readyCommand: null },
        { name: "cache", image: TEST_IMAGES.busybox, command: ["sleep", "60"], env: {}, readyCommand: null },
      ],
      steps: [{ run: "echo never" }],
    });
    expect(result.outcome.outcome).toBe("infrastructure-error");
    expect(result.outcome.outcome === "infrastructure-error" && result.outcome.message).toMatch(
      /^service "db" \(pipec-test\/busybox:1\) exited with code 3 before it was ready\. Its last output:\nbad config$/,
    );
    expect(await containersOf(runId)).toEqual([]);
  });

  it("reports a service that exits before it is ready, with its last output", async () => {
    const result = await run({
      services: [{ name: "broken", image: TEST_IMAGES.busybox, command: ["sh", "-c", "echo bad config >&2; exit 2"], env: {}, readyCommand: ["sleep", "2"] }],
      steps: [{ run: "echo never" }],
    });
    expect(result.outcome.outcome).toBe("infrastructure-error");
    expect(result.outcome.outcome === "infrastructure-error" && result.outcome.message).toMatch(
      /^service "broken" \(pipec-test\/busybox:1\) exited with code 2 before it was ready\. Its last output:\nbad config$/,
    );
  });

  it("is cancelled while waiting for a service, and removes it", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort("cancel"), 500);
    const result = await run({
      signal: controller.signal,
      services: [{ name: "slow", image: TEST_IMAGES.busybox, command: ["sleep", "60"], env: {}, readyCommand: ["false"] }],
      steps: [{ run: "echo never" }],
    });
    expect(result.outcome).toEqual({ outcome: "cancelled", message: "job cancelled" });
    expect(result.elapsedMs).toBeLessThan(5_000);
    expect(await containersOf(runId)).toEqual([]);
  });

  it("runs a job's steps in one container, and a step with its own image in another", async () => {
    const result = await run({
      steps: [
        { run: "hostname; echo kept > /etc/pipec-one-container" },
        { run: "hostname; cat /etc/pipec-one-container" },
        { run: "hostname", image: TEST_IMAGES.busybox },
      ],
    });
    expect(result.outcome).toEqual({ outcome: "success" });
    const [first, second, own] = [0, 1, 2].map((index) => result.text("stdout", index).split("\n")[0]);
    expect(second).toBe(first);
    expect(result.text("stdout", 1)).toBe(`${first}\nkept\n`);
    expect(own).not.toBe(first);
    expect(await containersOf(runId)).toEqual([]);
  });

  it("execs a step with a variable some shells hold read-only (UID) into the same container, with it in its environment", async () => {
    const result = await run({ steps: [{ run: "hostname" }, { run: 'hostname; echo "UID=$UID"', env: { UID: "4242" } }, { run: "hostname" }] });
    expect(result.outcome).toEqual({ outcome: "success" });
    const [first, second, third] = [0, 1, 2].map((index) => result.text("stdout", index).split("\n")[0]);
    expect([second, third]).toEqual([first, first]);
    expect(result.text("stdout", 1)).toBe(`${first}\nUID=4242\n`);
  });

  it("kills what a step leaves running before the next step starts", async () => {
    const count = 'n=0; for d in /proc/[0-9]*; do read -r c < $d/comm 2>/dev/null && [ "$c" = sleep ] && n=$((n+1)); done; echo $n';
    const result = await run({ steps: [{ run: "sleep 30 & sleep 31 & echo started" }, { run: count }] });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout", 1)).toBe("0\n");
    expect(result.elapsedMs).toBeLessThan(10_000);
  });

  it("runs later steps in the job's container after a step was killed for ignoring SIGTERM", async () => {
    const result = await run({
      stopGraceMs: 300,
      steps: [
        { run: "hostname; trap '' TERM; sleep 30", timeoutMs: 300, continueOnFailure: true },
        { run: "hostname; echo after" },
      ],
    });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout", 1)).toMatch(/\nafter\n$/);
    expect(result.events.map((event) => (event.type === "finished" ? event.status : event.type))).toEqual(["started", "timed-out", "started", "success"]);
  });

  it("runs steps as the invoking user, with a writable HOME, and files in the workspace are theirs", async () => {
    const invoker = { uid: 4321, gid: 4322 };
    // pipec runs as the invoker, who owns the project and so the workspace copy.
    if (process.getuid?.() === 0) await chown(workspace.dir, invoker.uid, invoker.gid);
    const script = 'id -u; id -g; echo "$HOME"; touch "$HOME/cache" && echo home-writable; echo made > out.txt';
    const result = await run(
      { steps: [{ run: script }, { run: script, image: TEST_IMAGES.busybox }, { run: 'echo "$HOME"', env: { HOME: "/workspace" } }] },
      { invoker },
    );
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout", 0)).toBe("4321\n4322\n/pipec/home\nhome-writable\n");
    expect(result.text("stdout", 1)).toBe("4321\n4322\n/pipec/home\nhome-writable\n");
    expect(result.text("stdout", 2)).toBe("/workspace\n");
    const owner = await stat(join(workspace.dir, "out.txt"));
    expect([owner.uid, owner.gid]).toEqual([4321, 4322]);
  });

  it("answers ${HOME} with the HOME the steps get: the job's home folder for an invoker the image does not know, the image's for root", async () => {
    const executor = createDockerExecutor(connectDocker(), { pullPolicy: "never", invoker: { uid: 4321, gid: 4321 } });
    const job = (user: string) => JobSchema.parse({ name: "job", image: TEST_IMAGES.busybox, user });
    const asInvoker = await executor.imageEnvironment!(TEST_IMAGES.busybox, runId, job("invoker"));
    const asRoot = await executor.imageEnvironment!(TEST_IMAGES.busybox, runId, job("root"));
    expect(asInvoker.HOME).toBe("/pipec/home");
    expect(asRoot.HOME).toBe("/root");
    expect(asInvoker.PATH).toBe(asRoot.PATH);
  });

  it.each([
    ["root", "0"],
    ["image", "0"],
  ] as const)("runs steps as %s when the job says so", async (user, uid) => {
    const result = await run({ job: { user }, steps: [{ run: "id -u" }] }, { invoker: { uid: 4321, gid: 4321 } });
    expect(result.text("stdout")).toBe(`${uid}\n`);
  });

  it("sets no-new-privileges on step and service containers, and gives services the job's limits", async () => {
    const noNewPrivs = "grep -q 'NoNewPrivs:[[:space:]]*1' /proc/self/status";
    const limit = String(96 * 1024 * 1024);
    const memory = `[ "$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" = ${limit} ]`;
    const result = await run({
      job: { resources: { memoryBytes: 96 * 1024 * 1024 } },
      services: [{ name: "limited", image: TEST_IMAGES.busybox, command: ["sleep", "60"], env: {}, readyCommand: ["sh", "-c", `${noNewPrivs} && ${memory}`] }],
      steps: [{ run: `${noNewPrivs} && echo job` }, { run: `${noNewPrivs} && echo own`, image: TEST_IMAGES.busybox }],
    }, { serviceReadyTimeoutMs: 5_000 });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout")).toBe("job\nown\n");
  });

  it("applies the job's resource limits", async () => {
    const read = (v2: string, v1: string) => `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`;
    const result = await run({
      job: { resources: { memoryBytes: 64 * 1024 * 1024, pids: 40, cpus: 0.5 } },
      steps: [
        { run: read("memory.max", "memory/memory.limit_in_bytes") },
        { run: read("pids.max", "pids/pids.max") },
        { run: `${read("cpu.max", "cpu/cpu.cfs_quota_us")}` },
      ],
    });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout", 0).trim()).toBe(String(64 * 1024 * 1024));
    expect(result.text("stdout", 1).trim()).toBe("40");
    expect(result.text("stdout", 2).trim()).toMatch(/^50000( 100000)?$/);
  });

  it("says when a step runs out of memory", async () => {
    const result = await run({
      job: { resources: { memoryBytes: 16 * 1024 * 1024 } },
      steps: [{ run: 'x=$(head -c 400000000 /dev/zero | tr "\\0" a); echo ${#x}', name: "hog" }],
    });
    expect(result.outcome).toEqual({ outcome: "failed", step: 0, exitCode: 137, message: 'step "hog" failed: out of memory, limit 16 MiB (exit 137)' });
  });

  it("runs on network none unless the job asks for host", async () => {
    const none = await run({ steps: [{ run: "ls /sys/class/net" }] });
    expect(none.text("stdout")).toBe("lo\n");
    const host = await run({ job: { network: "host" }, steps: [{ run: "ls /sys/class/net" }] });
    expect(host.text("stdout").split("\n").filter(Boolean).length).toBeGreaterThan(1);
  });

  it.each(["never", "missing"] as const)("reports a missing image with pull policy %s", async (pullPolicy) => {
    const result = await run({ image: "pipec-test/does-not-exist:1", steps: [{ run: "true", name: "build" }] }, { pullPolicy });
    expect(result.outcome.outcome).toBe("infrastructure-error");
    const message = result.outcome.outcome === "infrastructure-error" ? result.outcome.message : "";
    if (pullPolicy === "never") {
      expect(message).toBe(
        'step "build": image "pipec-test/does-not-exist:1" is not available locally and the pull policy is "never". ' +
          "Build or load it (docker build, docker load, docker import), or check the name",
      );
    } else {
      expect(message).toMatch(/^step "build": image "pipec-test\/does-not-exist:1" is not available locally and could not be pulled: .+\. Build or load it, or check the name$/);
    }
  });

  it("uses a step's own image over the job's", async () => {
    const result = await run({ image: "pipec-test/does-not-exist:1", steps: [{ run: "echo ok", image: TEST_IMAGES.busybox }] });
    expect(result.outcome).toEqual({ outcome: "success" });
    expect(result.text("stdout")).toBe("ok\n");
  });

  it("says why a step cannot run in an image without sh", async () => {
    const result = await run({ steps: [{ run: "echo hi", image: TEST_IMAGES.nodeApp, name: "shell-less" }] });
    expect(result.outcome).toMatchObject({ outcome: "failed", exitCode: 127, message: 'step "shell-less" failed: command not found (exit 127)' });
    // docker-init (tini) is PID 1 and reports the missing shell itself.
    expect(result.text("stderr")).toMatch(/exec sh failed: No such file or directory/);
  });

  it("leaves no container behind, even after a cancel", async () => {
    const controller = new AbortController();
    const result = await run({
      jobId: "leftovers",
      signal: controller.signal,
      onLog: () => controller.abort("cancel"),
      steps: [{ run: "echo go; sleep 30" }],
    });
    expect(result.outcome.outcome).toBe("cancelled");
    expect(await connectDocker().removeByLabel(containerLabels({ runId, job: "leftovers" }))).toBe(0);
  });

  it("reports an unreachable engine as an infrastructure error", async () => {
    const executor = createDockerExecutor(connectDocker({ socketPath: "/nonexistent/docker.sock" }), { pullPolicy: "never" });
    const result = await runJob(executor, { image: TEST_IMAGES.busybox, workspace: workspace.dir, runId, baseEnv: { PATH }, steps: [{ run: "true" }] });
    expect(result.outcome).toMatchObject({ outcome: "infrastructure-error", message: expect.stringMatching(/Docker engine not reachable at \/nonexistent\/docker.sock/) });
  });

  it("cleans up a run's containers by label", async () => {
    const engine = connectDocker();
    const cleanupRun = `${runId}-cleanup`;
    const container = await engine.startContainer({
      image: TEST_IMAGES.busybox,
      cmd: ["sleep", "60"],
      env: {},
      workingDir: "",
      binds: [],
      labels: containerLabels({ runId: cleanupRun, job: "crashed" }),
      network: "none",
      cpus: null,
      memoryBytes: null,
      pids: null,
      stopGraceMs: 0,
      init: true,
    });
    expect(await containersOf(cleanupRun)).toEqual([container.id.slice(0, 12)]);
    const executor = createDockerExecutor(engine, { pullPolicy: "never" });
    expect(await executor.cleanup(cleanupRun)).toBe(1);
    expect(await executor.cleanup(cleanupRun)).toBe(0);
  });
});
