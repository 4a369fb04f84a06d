/** The docker driver with the `pipec-test/node-app:1` image on the host network (real engine). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker, deploymentSelector, projectLabel, type DockerEngine } from "../../../../runtime/docker/index.ts";
import { httpProbe } from "../../../../runtime/deploy/health/index.ts";
import {
  TargetExitedError,
  TargetImageMissingError,
  allocatePort,
  createDockerTargetDriver,
  type DockerTarget,
} from "../../../../runtime/deploy/target/index.ts";
import type { Instance, TargetDriver } from "../../../../runtime/deploy/types.ts";
import { TEST_IMAGES, dockerGate } from "../../../setup/require-docker.ts";
import { get, portOpen, uniqueName } from "./helpers.ts";

interface ContainerInspect {
  Config: { Labels: Record<string, string>; Env: string[] };
  HostConfig: { NetworkMode: string; RestartPolicy: { Name: string; MaximumRetryCount: number } };
}

const docker = await dockerGate("runtime/deploy docker target driver");
const deployment = uniqueName("docker-target");
const app: DockerTarget = { image: TEST_IMAGES.nodeApp, command: null, env: {} };

async function startOne(driver: TargetDriver, version: string, env: Record<string, string> = {}, index = 0, name = deployment): Promise<Instance> {
  return driver.start({ deployment: name, version, index, port: await allocatePort(), env: { VERSION: version, ...env } });
}

describe.runIf(docker.run)("docker target driver", () => {
  let engine: DockerEngine;
  beforeAll(() => {
    docker.assertAvailable();
    engine = connectDocker();
  });
  afterAll(async () => {
    if (docker.available) await connectDocker().removeByLabel(deploymentSelector(deployment, projectLabel(process.cwd())));
  });

  it("starts labelled containers on the host network serving their VERSION; stop closes the port and removes them", async () => {
    const driver = createDockerTargetDriver(engine, app);
    const [a, b] = await Promise.all([startOne(driver, "v1", {}, 0), startOne(driver, "v2", {}, 1)]);
    expect(a).toMatchObject({ host: "127.0.0.1", version: "v1", id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect.poll(() => get(a.port).catch(() => null)).toEqual({ status: 200, body: "v1\n" });
    await expect.poll(() => get(b.port).catch(() => null)).toEqual({ status: 200, body: "v2\n" });
    expect((await driver.status(b)).running).toBe(true);
    const [inspected] = JSON.parse((await promisify(execFile)("docker", ["inspect", a.id])).stdout) as ContainerInspect[];
    expect(inspected?.Config.Labels).toMatchObject({ "dev.pipec.deployment": deployment, "dev.pipec.version": "v1" });
    expect(inspected?.Config.Env).toEqual(expect.arrayContaining([`PORT=${a.port}`, "VERSION=v1"]));
    expect(inspected?.HostConfig.NetworkMode).toBe("host");
    // A crash is restarted by the engine, five times at most (see docker-driver.ts).
    expect(inspected?.HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 5 });

    const started = performance.now();
    await driver.stop(a, 10_000);
    expect(performance.now() - started).toBeLessThan(5_000); // SIGTERM reached node through docker-init
    expect(await portOpen(a.port)).toBe(false);
    expect(await get(b.port)).toEqual({ status: 200, body: "v2\n" });
    await driver.stop(a, 10_000); // a second stop is fine
    // Only b is left for this deployment: a was removed, not just stopped.
    expect(await engine.removeByLabel({ ...deploymentSelector(deployment, projectLabel(process.cwd())), "dev.pipec.version": "v1" })).toBe(0);
    await driver.stop(b, 10_000);
  });

  it("READY=false fails the http probe with the status in the reason; ERROR_RATE=1 answers 500", async () => {
    const driver = createDockerTargetDriver(engine, { ...app, env: { LATENCY_MS: "0" } });
    const [ready, unready, failing] = await Promise.all([
      startOne(driver, "ok", {}, 0),
      startOne(driver, "unready", { READY: "false" }, 1),
      startOne(driver, "bad", { ERROR_RATE: "1" }, 2),
    ]);
    const probe = httpProbe({ path: "/healthz" });
    await expect.poll(() => probe(ready, 1_000)).toEqual({ ok: true });
    await expect.poll(() => probe(unready, 1_000)).toEqual({ ok: false, reason: "GET /healthz answered 503 (not ready), expected 200-399" });
    await expect.poll(() => get(failing.port).catch(() => null)).toEqual({ status: 500, body: "error bad\n" });
    await Promise.all([ready, unready, failing].map((instance) => driver.stop(instance, 5_000)));
  });

  it("a container that crashes is restarted by the engine, and status counts the restart", async () => {
    const driver = createDockerTargetDriver(engine, app);
    const instance = await startOne(driver, "crashy");
    await expect.poll(() => get(instance.port).catch(() => null)).toEqual({ status: 200, body: "crashy\n" });
    expect(await driver.status(instance)).toMatchObject({ running: true, restarts: 0 });
    // Its init (PID 1 in the container) killed from the host: exit 137, a failure.
    const pid = Number((await promisify(execFile)("docker", ["inspect", "-f", "{{.State.Pid}}", instance.id])).stdout.trim());
    process.kill(pid, "SIGKILL");
    await expect.poll(async () => (await driver.status(instance)).restarts, { timeout: 10_000 }).toBe(1);
    expect((await driver.status(instance)).running).toBe(true);
    await expect.poll(() => get(instance.port).catch(() => null), { timeout: 10_000 }).toEqual({ status: 200, body: "crashy\n" });
    // Stopped by pipec, it stays stopped (and is removed).
    await driver.stop(instance, 5_000);
    expect(await portOpen(instance.port)).toBe(false);
  });

  it("a missing image fails start with an error naming the image", async () => {
    const driver = createDockerTargetDriver(engine, { ...app, image: "pipec-test/no-such-image:404" });
    const error = await startOne(driver, "v1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetImageMissingError);
    expect((error as Error).message).toContain('image "pipec-test/no-such-image:404" is not on the Docker engine');
  });

  it("a container that exits at once fails start with its exit code and last output lines, and is removed", async () => {
    const script = "console.log('booting'); console.error('fatal: no config'); process.exit(3)";
    const driver = createDockerTargetDriver(engine, { ...app, command: ["/usr/bin/node", "-e", script] });
    const error = await startOne(driver, "crash").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetExitedError);
    const exited = error as TargetExitedError;
    expect(exited.exitCode).toBe(3);
    expect(exited.lastLines).toEqual(expect.arrayContaining(["booting", "fatal: no config"]));
    expect(exited.message).toContain("exited with code 3 right after starting");
    expect(await engine.removeByLabel({ ...deploymentSelector(deployment, projectLabel(process.cwd())), "dev.pipec.version": "crash" })).toBe(0);
  });

  it("cleanup removes every container of the deployment, even those another driver started", async () => {
    const name = uniqueName("docker-cleanup");
    const first = createDockerTargetDriver(engine, app);
    const instances = await Promise.all([startOne(first, "v1", {}, 0, name), startOne(first, "v2", {}, 1, name)]);
    const kept = await startOne(first, "v1", {}, 0); // another deployment
    // A fresh driver (as after a crash of the deployer) finds them by label.
    expect(await createDockerTargetDriver(engine, app).cleanup(name)).toBe(2);
    for (const instance of instances) await expect.poll(() => portOpen(instance.port)).toBe(false);
    await expect.poll(() => get(kept.port).catch(() => null)).toEqual({ status: 200, body: "v1\n" });
    expect(await first.cleanup(name)).toBe(0);
    await first.stop(instances[0]!, 1_000); // already removed: stop is a no-op
    await first.stop(kept, 5_000);
  });

  it("cleanup leaves alone the same deployment name of another project on the same engine", async () => {
    const name = uniqueName("docker-two-projects");
    const mine = createDockerTargetDriver(engine, app, { project: projectLabel("/projects/mine") });
    const theirs = createDockerTargetDriver(engine, app, { project: projectLabel("/projects/theirs") });
    const [own, other] = await Promise.all([startOne(mine, "v1", {}, 0, name), startOne(theirs, "v1", {}, 1, name)]);
    expect(await createDockerTargetDriver(engine, app, { project: projectLabel("/projects/mine") }).cleanup(name)).toBe(1);
    await expect.poll(() => portOpen(own.port)).toBe(false);
    expect(await get(other.port)).toEqual({ status: 200, body: "v1\n" });
    await theirs.stop(other, 5_000);
  });
});
