/** The adapter's detached containers (services): start, exec, state, logs, stop, remove; label-key cleanup. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_RUN_ID, connectDocker, containerLabels, runLabels, type ContainerSpec } from "../../../runtime/docker/index.ts";
import { TEST_IMAGES, dockerGate } from "../../setup/require-docker.ts";

const docker = await dockerGate("runtime/docker startContainer");
const runId = `start-test-${process.pid}-${Date.now().toString(36)}`;

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: TEST_IMAGES.busybox,
    cmd: ["sleep", "60"],
    env: {},
    workingDir: "",
    binds: [],
    labels: containerLabels({ runId, job: "svc" }),
    network: "none",
    cpus: null,
    memoryBytes: null,
    pids: null,
    stopGraceMs: 5_000,
    init: true,
    ...overrides,
  };
}

describe.runIf(docker.run)("startContainer", () => {
  beforeAll(docker.assertAvailable);
  afterAll(async () => {
    if (docker.available) await connectDocker().removeByLabel(runLabels(runId));
  });

  it("runs detached; exec reports exit codes and output; stop honours SIGTERM through init; remove is idempotent", async () => {
    const engine = connectDocker();
    const container = await engine.startContainer(spec({ cmd: ["sh", "-c", "echo booted; echo warn >&2; exec sleep 60"] }));
    expect(await container.state()).toEqual({ running: true, exitCode: 0, oomKilled: false, restarting: false, restartCount: 0 });
    expect(await container.exec(["sh", "-c", "echo probing; exit 4"])).toEqual({ exitCode: 4, output: "probing\n" });
    expect(await container.exec(["true"])).toEqual({ exitCode: 0, output: "" });
    // stdout and stderr interleave in no guaranteed order.
    await expect.poll(async () => (await container.logs(10)).split("\n").sort().join(",")).toBe(",booted,warn");
    const stopping = performance.now();
    await container.stop(5_000);
    expect(performance.now() - stopping).toBeLessThan(3_000); // SIGTERM reached sleep: no wait for the grace
    expect((await container.state()).running).toBe(false);
    await container.remove();
    await container.remove();
  });

  it("stops a container that ignores SIGTERM after the grace", async () => {
    const container = await connectDocker().startContainer(spec({ cmd: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"] }));
    const stopping = performance.now();
    await container.stop(300);
    expect(performance.now() - stopping).toBeLessThan(3_000);
    expect(await container.state()).toMatchObject({ running: false, exitCode: 137 });
    await container.remove();
  });

  it("aborts waiting for an exec", async () => {
    const container = await connectDocker().startContainer(spec());
    const controller = new AbortController();
    setTimeout(() => controller.abort("enough"), 200);
    await expect(container.exec(["sleep", "30"], { signal: controller.signal })).rejects.toBe("enough");
    await container.remove();
  });

  it("fails to start with a ContainerError and leaves nothing behind", async () => {
    const engine = connectDocker();
    const job = "bad-start";
    await expect(engine.startContainer(spec({ labels: containerLabels({ runId, job }), network: "container:does-not-exist" }))).rejects.toMatchObject({
      name: "ContainerError",
    });
    expect(await engine.removeByLabel(containerLabels({ runId, job }))).toBe(0);
  });

  it("removeByLabel with a null value matches any value of the label", async () => {
    const engine = connectDocker();
    const other = `${runId}-other`;
    await engine.startContainer(spec({ labels: { ...containerLabels({ runId: other, job: "a" }), "dev.pipec.test-marker": other } }));
    await engine.startContainer(spec({ labels: { ...containerLabels({ runId: other, job: "b" }), "dev.pipec.test-marker": other } }));
    // Only this test's containers: the marker's value, and any run id.
    expect(await engine.removeByLabel({ "dev.pipec.test-marker": other, [LABEL_RUN_ID]: null })).toBe(2);
  });
});
