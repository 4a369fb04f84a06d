/**
 * HAProxy-only: with 2 instance slots per version, every swap reuses a drained slot (maint, new
 * address, ready). Keep-alive clients must then reach the new instance only, never an idle
 * connection left to the old address. A router with the default 8 version slots serves any number
 * of rollouts in turn: idle version slots are reused.
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

describe.runIf(haproxy.run)("haproxy router: version slot reuse", () => {
  it("switches versions 20 times on one router with the default slots, counting each version's own requests", async () => {
    haproxy.assertAvailable();
    const stateDir = await mkdtemp(join(tmpdir(), "pipec-haproxy-versions-"));
    const router = await createHaproxyRouter({ listen: "127.0.0.1:0", stateDir });
    const upstreams = [await startUpstream("v", "even"), await startUpstream("v", "odd")];
    try {
      await router.setInstances("v0", [upstreams[0]!.instance]);
      await router.setWeights({ v0: 100 });
      for (let n = 1; n <= 20; n++) {
        const [before, next] = [`v${n - 1}`, `v${n}`];
        const upstream = upstreams[n % 2]!;
        await router.setInstances(next, [upstream.instance]);
        await router.setWeights({ [before]: 0, [next]: 100 });
        await router.setInstances(before, []);
        for (let i = 0; i < 3; i++) expect((await request(router.listen)).headers["x-instance"]).toBe(upstream.instance.id);
        const weights = await router.readWeights();
        expect([weights[before], weights[next]]).toEqual([0, 100]);
        // A reused slot's earlier version's requests are not this version's.
        expect((await router.metrics(next, 600_000))?.requests).toBe(3);
      }
    } finally {
      await router.close();
      await Promise.all(upstreams.map((upstream) => upstream.close()));
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(haproxy.run)("haproxy router: a switch in one step", () => {
  it("moves 100% from one version to another with no 503, whichever slot each has", async () => {
    haproxy.assertAvailable();
    const stateDir = await mkdtemp(join(tmpdir(), "pipec-haproxy-switch-"));
    const router = await createHaproxyRouter({ listen: "127.0.0.1:0", stateDir });
    const upstreams = [await startUpstream("a", "a"), await startUpstream("b", "b")];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const statuses = new Map<number, number>();
    let switching = true;
    const load = async (): Promise<void> => {
      while (switching) {
        const { status } = await request(router.listen, { agent });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    try {
      await router.setInstances("a", [upstreams[0]!.instance]);
      await router.setInstances("b", [upstreams[1]!.instance]);
      await router.setWeights({ a: 100, b: 0 });
      const loads = [load(), load(), load(), load()];
      // Both directions: the version losing its weight sits in the lower slot, then in the higher one.
      for (let n = 0; n < 40; n++) await router.setWeights(n % 2 === 0 ? { a: 0, b: 100 } : { a: 100, b: 0 });
      switching = false;
      await Promise.all(loads);
      expect([...statuses.keys()]).toEqual([200]);
    } finally {
      switching = false;
      agent.destroy();
      await router.close();
      await Promise.all(upstreams.map((upstream) => upstream.close()));
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
