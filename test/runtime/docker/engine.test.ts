import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ContainerError,
  DockerError,
  EngineUnavailableError,
  ImagePullError,
  LABEL_JOB,
  LABEL_RUN_ID,
  connectDocker,
  containerLabels,
  runLabels,
  type ContainerSpec,
  type RunResult,
} from "../../../runtime/docker/index.ts";
import { TEST_IMAGES, dockerGate } from "../../setup/require-docker.ts";

const docker = await dockerGate("runtime/docker engine");
const execFileAsync = promisify(execFile);

/** Every container of this file carries this run id, so that nothing can leak between runs. */
const runId = `engine-test-${process.pid}-${Date.now().toString(36)}`;

function spec(overrides: Partial<ContainerSpec> & { job?: string } = {}): ContainerSpec {
  const { job = "test", ...rest } = overrides;
  return {
    image: TEST_IMAGES.busybox,
    cmd: ["true"],
    env: {},
    workingDir: "",
    binds: [],
    labels: containerLabels({ runId, job }),
    network: "none",
    cpus: null,
    memoryBytes: null,
    pids: null,
    stopGraceMs: 1_000,
    ...rest,
  };
}

interface Captured extends RunResult {
  stdout: string;
  stderr: string;
  stdoutChunks: number;
}

async function run(
  containerSpec: ContainerSpec,
  options: { signal?: AbortSignal; onStdout?: (text: string) => void } = {},
): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const result = await connectDocker().runContainer(containerSpec, {
    onStdout(chunk) {
      out.push(chunk);
      options.onStdout?.(chunk.toString());
    },
    onStderr: (chunk) => err.push(chunk),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    ...result,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
    stdoutChunks: out.length,
  };
}

/** Containers with this job label that still exist (removeByLabel counts and removes them). */
async function leftovers(job: string): Promise<number> {
  return connectDocker().removeByLabel(containerLabels({ runId, job }));
}

async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("docker", args);
  return stdout.trim();
}

describe.runIf(docker.run)("runtime/docker engine (real engine)", () => {
  const engine = connectDocker();

  beforeAll(docker.assertAvailable);
  afterAll(async () => {
    if (docker.available) expect(await engine.removeByLabel(runLabels(runId))).toBe(0);
  });

  it("answers a ping and finds the local test image", async () => {
    await engine.ping();
    expect(await engine.imageId(TEST_IMAGES.busybox)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await engine.imageId("pipec-test/not-there:1")).toBeNull();
  });

  it("keeps stdout and stderr apart", async () => {
    const result = await run(spec({ cmd: ["sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2"] }));
    expect(result).toMatchObject({ exitCode: 0, oomKilled: false, stdout: "out1\nout2\n", stderr: "err1\nerr2\n" });
  });

  it.each([
    { name: "success", cmd: ["true"], exitCode: 0 },
    { name: "a script's exit code", cmd: ["sh", "-c", "exit 3"], exitCode: 3 },
    { name: "a missing command in a shell", cmd: ["sh", "-c", "no-such-command"], exitCode: 127 },
    { name: "a missing executable", cmd: ["no-such-command"], exitCode: 127 },
    { name: "a file that is not executable", cmd: ["/etc/passwd"], exitCode: 126 },
  ])("reports the exit code of $name ($exitCode)", async ({ cmd, exitCode }) => {
    const result = await run(spec({ cmd, job: "exit-codes" }));
    expect(result.exitCode).toBe(exitCode);
    expect(await leftovers("exit-codes")).toBe(0);
  });

  it("explains on stderr why a missing executable could not run", async () => {
    const result = await run(spec({ cmd: ["no-such-command"] }));
    expect(result.stderr).toMatch(/^pipec: cannot run "no-such-command": executable file not found/);
  });

  it("passes env and workingDir, and shares a bind mount with the host", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pipec-docker-"));
    try {
      await writeFile(join(dir, "input.txt"), "from the host\n");
      const result = await run(
        spec({
          cmd: ["sh", "-c", 'pwd; echo "$GREETING $EMPTY|"; cat input.txt; echo "$GREETING" > out.txt'],
          env: { GREETING: "hello world", EMPTY: "" },
          workingDir: "/work",
          binds: [{ hostPath: dir, containerPath: "/work" }],
        }),
      );
      expect(result.stdout).toBe("/work\nhello world |\nfrom the host\n");
      expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("hello world\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("mounts read-only binds read-only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pipec-docker-"));
    try {
      const result = await run(
        spec({
          cmd: ["sh", "-c", "touch /in/x"],
          binds: [{ hostPath: dir, containerPath: "/in", readOnly: true }],
        }),
      );
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/read-only/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives network mode none only the loopback interface", async () => {
    const result = await run(spec({ cmd: ["ls", "/sys/class/net"] }));
    expect(result.stdout.split(/\s+/).filter(Boolean)).toEqual(["lo"]);
  });

  it("with network host, a service in the container answers on 127.0.0.1", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const controller = new AbortController();
    const answers: string[] = [];
    const result = await run(
      spec({
        image: TEST_IMAGES.nodeApp,
        cmd: [],
        env: { PORT: String(port), VERSION: "v-test" },
        network: "host",
        stopGraceMs: 5_000,
      }),
      {
        signal: controller.signal,
        onStdout(text) {
          if (!text.includes("listening")) return;
          void (async () => {
            try {
              for (const path of ["/", "/healthz"]) {
                const response = await fetch(`http://127.0.0.1:${port}${path}`);
                answers.push(`${response.status} ${(await response.text()).trim()}`);
              }
            } finally {
              controller.abort();
            }
          })();
        },
      },
    );
    expect(answers).toEqual(["200 v-test", "200 ok"]);
    expect(result.exitCode).toBe(0); // the app exits cleanly on SIGTERM
  });

  it("applies memory, CPU and process limits", async () => {
    // cgroup v2 files first, then cgroup v1.
    const script = [
      "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
      "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max",
      "(cut -d' ' -f1 /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) | head -n1",
    ].join("; ");
    const result = await run(
      spec({ cmd: ["sh", "-c", script], memoryBytes: 64 * 1024 * 1024, pids: 50, cpus: 0.5 }),
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n").filter(Boolean)).toEqual([String(64 * 1024 * 1024), "50", "50000"]);
  });

  it("reports a container killed for exceeding its memory limit", async () => {
    // dd fills a 100 MiB buffer: more than the 32 MiB the container may use (no swap here).
    const result = await run(
      spec({ cmd: ["dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1"], memoryBytes: 32 * 1024 * 1024 }),
    );
    expect(result).toMatchObject({ exitCode: 137, oomKilled: true });
  });

  it("streams large output in chunks, all of it, before resolving", async () => {
    const result = await run(spec({ cmd: ["seq", "1", "200000"] }));
    const lines = result.stdout.split("\n");
    expect(lines.length).toBe(200_001);
    expect(lines.at(-2)).toBe("200000");
    expect(result.stdoutChunks).toBeGreaterThan(1);
  });

  it("on abort, kills a process that ignores SIGTERM after the grace period and removes the container", async () => {
    const controller = new AbortController();
    const graceMs = 700;
    let abortedAt = 0;
    const result = await run(
      // PID 1 ignores SIGTERM unless it handles it: only SIGKILL stops this sleep.
      spec({ cmd: ["sh", "-c", "echo started; exec sleep 60"], stopGraceMs: graceMs, job: "abort-kill" }),
      {
        signal: controller.signal,
        onStdout(text) {
          if (text.includes("started")) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
      },
    );
    const took = Date.now() - abortedAt;
    expect(result.exitCode).toBe(137);
    expect(took).toBeGreaterThanOrEqual(graceMs - 50);
    expect(took).toBeLessThan(graceMs + 5_000);
    expect(await leftovers("abort-kill")).toBe(0);
  });

  it("on abort, sends SIGTERM first so that a process can exit cleanly", async () => {
    const controller = new AbortController();
    const result = await run(
      spec({
        cmd: ["sh", "-c", 'trap "echo got TERM; exit 0" TERM; echo started; while true; do sleep 0.1; done'],
        stopGraceMs: 10_000,
        job: "abort-term",
      }),
      { signal: controller.signal, onStdout: (text) => text.includes("started") && controller.abort() },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("started\ngot TERM\n");
    expect(await leftovers("abort-term")).toBe(0);
  });

  it("does not start anything when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled before start"));
    await expect(run(spec({ job: "pre-aborted" }), { signal: controller.signal })).rejects.toThrow(
      "cancelled before start",
    );
    expect(await leftovers("pre-aborted")).toBe(0);
  });

  it("removeByLabel force-removes leftovers in any state, and only those", async () => {
    const mine = containerLabels({ runId, job: "leftover" });
    const other = containerLabels({ runId: `${runId}-other`, job: "leftover" });
    const labelArgs = (labels: Record<string, string>) =>
      Object.entries(labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
    await dockerCli("create", "--network", "none", ...labelArgs(mine), TEST_IMAGES.busybox, "true");
    await dockerCli("run", "-d", "--network", "none", ...labelArgs(mine), TEST_IMAGES.busybox, "sleep", "60");
    const bystander = await dockerCli("create", "--network", "none", ...labelArgs(other), TEST_IMAGES.busybox, "true");
    try {
      expect(await engine.removeByLabel({ [LABEL_RUN_ID]: runId, [LABEL_JOB]: "leftover" })).toBe(2);
      expect(await dockerCli("ps", "-aq", "--filter", `label=${LABEL_RUN_ID}=${runId}`)).toBe("");
      expect(await dockerCli("ps", "-aq", "--filter", `id=${bystander}`)).not.toBe("");
    } finally {
      await engine.removeByLabel(other);
    }
  });

  it("refuses removeByLabel without labels (it would match every container)", async () => {
    await expect(engine.removeByLabel({})).rejects.toThrow(RangeError);
  });

  it("fails pulling an image that no registry here has, naming the image", async () => {
    const image = "pipec-test/no-such-image:1";
    const error = await engine.pullImage(image).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagePullError);
    expect(error).toMatchObject({ code: "DOCKER_IMAGE_PULL_FAILED", image });
    expect((error as Error).message).toContain(`Could not pull image "${image}": `);
    expect((error as Error).cause).toBeDefined();
  });

  it("reports a container from an image that is not present as a ContainerError", async () => {
    const error = await run(spec({ image: "pipec-test/not-there:1" })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ code: "DOCKER_CONTAINER_FAILED", phase: "create", containerId: null });
    expect((error as Error).message).toMatch(/No such image: pipec-test\/not-there:1/);
  });
});

describe("runtime/docker engine without an engine", () => {
  const socketPath = join(tmpdir(), `pipec-no-docker-${process.pid}.sock`);
  const dead = connectDocker({ socketPath });

  it("ping names the socket, the cause and what to do", async () => {
    const error = await dead.ping().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error).toBeInstanceOf(DockerError);
    expect(error).toMatchObject({ code: "DOCKER_ENGINE_UNAVAILABLE", endpoint: socketPath });
    expect((error as Error).message).toBe(
      `Docker engine not reachable at ${socketPath}: connect ENOENT ${socketPath}. Start it, or run with --executor local`,
    );
  });

  it("every other call fails the same way", async () => {
    await expect(dead.imageId(TEST_IMAGES.busybox)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.pullImage(TEST_IMAGES.busybox)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.removeByLabel(runLabels(runId))).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(
      dead.runContainer(spec(), { onStdout() {}, onStderr() {} }),
    ).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it("defaults to /var/run/docker.sock, or DOCKER_HOST when set", () => {
    const saved = process.env.DOCKER_HOST;
    try {
      delete process.env.DOCKER_HOST;
      expect(connectDocker().endpoint).toBe("/var/run/docker.sock");
      process.env.DOCKER_HOST = "unix:///tmp/elsewhere.sock";
      expect(connectDocker().endpoint).toBe("/tmp/elsewhere.sock");
      expect(connectDocker({ socketPath: "/tmp/explicit.sock" }).endpoint).toBe("/tmp/explicit.sock");
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it("a socket that accepts but never answers times out as unavailable", async () => {
    const { createServer } = await import("node:net");
    const silentPath = join(tmpdir(), `pipec-silent-${process.pid}.sock`);
    const sockets: import("node:net").Socket[] = [];
    const server = createServer((socket) => sockets.push(socket)).listen(silentPath);
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const error = await connectDocker({ socketPath: silentPath, pingTimeoutMs: 200 })
        .ping()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect((error as Error).message).toContain("no answer within 200 ms");
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
      await rm(silentPath, { force: true });
    }
  });
});
