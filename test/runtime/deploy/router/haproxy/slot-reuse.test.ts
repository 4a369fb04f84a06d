/**
 * HAProxy-only: with 2 instance slots per version, every swap reuses a drained slot (maint, new
 * address, ready). Keep-alive clients must then reach the new instance only, never an idle
 * connection left to the old address.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHaproxyRouter, RouterCapacityError } from "../../../../../runtime/deploy/router/index.ts";
import type { Router } from "../../../../../runtime/deploy/types.ts";
import { haproxyGate } from "../../../../setup/require-haproxy.ts";
import { request, startUpstream, type TestUpstream } from "../upstreams.ts";

const haproxy = await haproxyGate("haproxy router: slot reuse");

describe.runIf(haproxy.run)("haproxy router: slot reuse", () => {
  let router: Router;
  let stateDir: string | undefined;
  const upstreams: TestUpstream[] = [];

  beforeAll(async () => {
    haproxy.assertAvailable();
    for (const id of ["a", "b", "c", "d"]) upstreams.push(await startUpstream("stable", id));
    stateDir = await mkdtemp(join(tmpdir(), "pipec-haproxy-slots-"));
    router = await createHaproxyRouter({ listen: "127.0.0.1:0", stateDir, versionSlots: 2, instanceSlots: 2 });
    await router.setWeights({ stable: 100 });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  it("sends keep-alive traffic only to the instance that took over a reused slot", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    for (const upstream of [...upstreams, ...upstreams]) {
      await router.setInstances("stable", [upstream.instance]);
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add(String((await request(router.listen, { agent })).headers["x-instance"]));
      expect([...seen]).toEqual([upstream.instance.id]);
    }
    agent.destroy();
  });

  it("refuses a third version with a capacity error", async () => {
    await router.setInstances("canary", [upstreams[0]!.instance]);
    await expect(router.setInstances("third", [upstreams[1]!.instance])).rejects.toBeInstanceOf(RouterCapacityError);
  });
});
