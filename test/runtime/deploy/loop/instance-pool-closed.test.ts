/**
 * A closed pool starts nothing: close() stops the instances it knows, so one started after it (an engine
 * action arriving during a teardown) would outlive the deployment (a `node server.cjs` left by `pipec deploy
 * stop` mid-rollout, seen once in CI). Real process driver, real builtin router.
 */
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { httpProbe } from "../../../../runtime/deploy/health/index.ts";
import { InstancePool } from "../../../../runtime/deploy/loop/instance-pool.ts";
import { createBuiltinRouter } from "../../../../runtime/deploy/router/index.ts";
import { createProcessTargetDriver } from "../../../../runtime/deploy/target/process-driver.ts";
import { nodeAppCopy, uniqueName } from "../target/helpers.ts";

const appCopy = await nodeAppCopy();
afterAll(() => appCopy.remove());

describe("an instance pool", () => {
  it("starts nothing once closed", async () => {
    const deployment = uniqueName("pool-closed");
    const router = await createBuiltinRouter({ listen: "127.0.0.1:0" });
    const driver = createProcessTargetDriver({ command: [process.execPath, appCopy.file], env: { VERSION: "v1" } }, tmpdir());
    const pool = new InstancePool({
      deployment,
      roles: { canary: { driver, version: "r1", revision: 1 } },
      router,
      previewRouter: null,
      probe: httpProbe({ path: "/healthz" }),
      timing: { intervalMs: 200, timeoutMs: 500, initialDelayMs: 0, failureThreshold: 3, successThreshold: 1 },
      settleMs: 0,
      graceMs: 1_000,
      log: () => undefined,
      onChange: () => undefined,
    });
    try {
      pool.start("canary", 1);
      await pool.close();
      // An engine action arriving after the teardown: without the guard it spawns a process nobody stops.
      pool.start("canary", 1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // The first instance was stopped by close(); the second never started: the driver runs nothing of it.
      expect(pool.members.filter((m) => m.instance !== null && !m.stopping)).toEqual([]);
      expect(await driver.cleanup(deployment)).toBe(0);
    } finally {
      await driver.cleanup(deployment); // nothing to do when the test passes; no leak when it fails
      await router.close();
    }
  });
});
