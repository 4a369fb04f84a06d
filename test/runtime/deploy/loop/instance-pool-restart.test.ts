/**
 * A docker instance that crashes is restarted by the engine (restart policy on-failure): the pool
 * notices the restart from the engine's restart count, however quick it was, and keeps the instance
 * out of the router until its health check passes again (real engine, real builtin router).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpProbe } from "../../../../runtime/deploy/health/index.ts";
import { InstancePool } from "../../../../runtime/deploy/loop/instance-pool.ts";
import { createBuiltinRouter, type BuiltinRouter } from "../../../../runtime/deploy/router/index.ts";
import { createDockerTargetDriver } from "../../../../runtime/deploy/target/index.ts";
import { connectDocker, deploymentSelector, projectLabel } from "../../../../runtime/docker/index.ts";
import { TEST_IMAGES, dockerGate } from "../../../setup/require-docker.ts";
import { get, uniqueName } from "../target/helpers.ts";

const docker = await dockerGate("instance pool: docker restarts");
const name = uniqueName("pool-restart");

describe.runIf(docker.run)("an instance the engine restarted after a crash", () => {
  let router: BuiltinRouter;
  beforeAll(async () => {
    docker.assertAvailable();
    router = await createBuiltinRouter({ listen: "127.0.0.1:0" });
  });
  afterAll(async () => {
    await router?.close();
    if (docker.available) await connectDocker().removeByLabel(deploymentSelector(name, projectLabel(process.cwd())));
  });

  it("leaves the router until its health check passes again, then serves again", async () => {
    const driver = createDockerTargetDriver(connectDocker(), { image: TEST_IMAGES.nodeApp, command: null, env: { VERSION: "v1" } });
    const logs: string[] = [];
    const pool = new InstancePool({
      deployment: name,
      roles: { canary: { driver, version: "r1", revision: 1 } },
      router,
      previewRouter: null,
      probe: httpProbe({ path: "/healthz" }),
      // A slow health check: on its own it would not see a restart that takes ~100 ms.
      timing: { intervalMs: 2_000, timeoutMs: 500, initialDelayMs: 0, failureThreshold: 3, successThreshold: 1 },
      settleMs: 0,
      graceMs: 2_000,
      log: (_level, message) => logs.push(message),
      onChange: () => undefined,
    });
    try {
      await router.setWeights({ r1: 100 });
      pool.start("canary", 1);
      await expect.poll(() => pool.routed("canary").length, { timeout: 20_000 }).toBe(1);
      const member = pool.members[0]!;
      expect(await get(Number(router.listen.split(":")[1]))).toEqual({ status: 200, body: "v1\n" });

      // The container's init (PID 1 inside) is killed from the host: exit 137, so the engine restarts it.
      const pid = Number(execFileSync("docker", ["inspect", "-f", "{{.State.Pid}}", member.instance!.id], { encoding: "utf8" }).trim());
      process.kill(pid, "SIGKILL");
      const seen: string[] = [];
      await expect
        .poll(
          async () => {
            await pool.pollExits(); // as the session does every 600 ms
            seen.push(`${member.health} ${pool.isRouted(member) ? "routed" : "not routed"}`);
            return member.restarts;
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBe(1);
      expect(seen.at(-1)).toBe("unready not routed");
      expect(logs.join("\n")).toMatch(/canary-1 crashed and was restarted by the engine \(restart 1\)(: .*)?: out of the router until its health check passes again/);
      // Back in the router once a probe passes (within one interval of the restart being noticed).
      await expect.poll(() => `${member.health} ${pool.isRouted(member) ? "routed" : "not routed"}`, { timeout: 10_000 }).toBe("ready routed");
      await expect.poll(() => get(Number(router.listen.split(":")[1])).catch(() => null), { timeout: 5_000 }).toEqual({ status: 200, body: "v1\n" });
    } finally {
      await pool.close();
    }
  }, 60_000);
});
