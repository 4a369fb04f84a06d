/**
 * One contract, two routers: pipec's builtin reverse proxy and HAProxy driven over its runtime
 * API. Upstreams are node:http servers on 127.0.0.1:0 in this process answering their version.
 * HAProxy tests skip when haproxy is missing, except under CI / PIPEC_REQUIRE_DOCKER=1 where they fail.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBuiltinRouter, createHaproxyRouter, InvalidWeightsError, isStickyRouter } from "../../../../runtime/deploy/router/index.ts";
import type { HeaderRoute, Router } from "../../../../runtime/deploy/types.ts";
import { haproxyGate } from "../../../setup/require-haproxy.ts";
import { countAnswers, request, startLoad, startUpstream, type TestUpstream } from "./upstreams.ts";

const haproxy = await haproxyGate("router contract: haproxy");

interface Subject {
  readonly name: "builtin" | "haproxy";
  readonly run: boolean;
  readonly check: () => void;
  readonly create: (stateDir: string) => Promise<Router>;
  readonly percentiles: boolean;
}

const subjects: Subject[] = [
  {
    name: "builtin",
    run: true,
    check: () => undefined,
    create: () => createBuiltinRouter({ listen: "127.0.0.1:0" }),
    percentiles: true,
  },
  {
    name: "haproxy",
    run: haproxy.run,
    check: haproxy.assertAvailable,
    create: (stateDir) => createHaproxyRouter({ listen: "127.0.0.1:0", stateDir }),
    percentiles: false,
  },
];

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` saying what it waited for. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(subjects)("router contract: $name", (subject) => {
  describe.runIf(subject.run)(subject.name, () => {
    const up: Record<string, TestUpstream> = {};
    let router: Router;
    /** The router to close after the test (unset when creating it failed). */
    let opened: Router | undefined;
    let stateDir: string | undefined;

    beforeAll(async () => {
      subject.check();
      for (const [version, id] of [
        ["stable", "stable-a"], ["stable", "stable-b"], ["stable", "stable-c"], ["stable", "stable-d"],
        ["canary", "canary-a"], ["canary", "canary-b"],
      ] as const) {
        up[id] = await startUpstream(version, id);
      }
    });
    afterAll(async () => {
      await Promise.all(Object.values(up).map((upstream) => upstream.close()));
    });
    beforeEach(async () => {
      for (const upstream of Object.values(up)) Object.assign(upstream.mode, { fail: false, delayMs: 0 });
      stateDir = await mkdtemp(join(tmpdir(), "pipec-router-"));
      router = await subject.create(stateDir);
      opened = router;
      await router.setInstances("stable", [up["stable-a"]!.instance, up["stable-b"]!.instance]);
      await router.setInstances("canary", [up["canary-a"]!.instance, up["canary-b"]!.instance]);
    });
    afterEach(async () => {
      await opened?.close();
      if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
      opened = undefined;
      stateDir = undefined;
    });

    it.each([
      [90, 10],
      [50, 50],
      [0, 100],
      [100, 0],
      [75.5, 24.5],
    ])("splits 400 requests %d/%d between stable and canary", async (stable, canary) => {
      await router.setWeights({ stable, canary });
      const counts = await countAnswers(router.listen, 400);
      expect(Object.keys(counts).filter((key) => key !== "stable" && key !== "canary")).toEqual([]);
      const observed = counts.canary ?? 0;
      expect(Math.abs(observed - (400 * canary) / 100)).toBeLessThanOrEqual(400 * 0.03);
      if (canary === 0 || stable === 0) expect(observed).toBe((400 * canary) / 100);
    });

    it("reads back exactly the weights it applies, listing every known version", async () => {
      await router.setWeights({ stable: 90, canary: 10 });
      expect(await router.readWeights()).toEqual({ stable: 90, canary: 10 });
      await router.setWeights({ canary: 100 });
      expect(await router.readWeights()).toEqual({ stable: 0, canary: 100 });
      await router.setWeights({ stable: 33.5, canary: 66.5 });
      expect(await router.readWeights()).toEqual({ stable: 33.5, canary: 66.5 });
    });

    it("rejects weights that do not sum to 100 and keeps the applied ones", async () => {
      await router.setWeights({ stable: 100 });
      await expect(router.setWeights({ stable: 80, canary: 10 })).rejects.toBeInstanceOf(InvalidWeightsError);
      await expect(router.setWeights({ stable: 110, canary: -10 })).rejects.toBeInstanceOf(InvalidWeightsError);
      expect(await router.readWeights()).toEqual({ stable: 100, canary: 0 });
    });

    it("takes turns across the instances of a version", async () => {
      await router.setWeights({ stable: 100 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const seen: Record<string, number> = {};
      for (let i = 0; i < 100; i++) {
        const instance = String((await request(router.listen, { agent })).headers["x-instance"]);
        seen[instance] = (seen[instance] ?? 0) + 1;
      }
      agent.destroy();
      expect(seen["stable-a"]).toBeGreaterThanOrEqual(45);
      expect(seen["stable-b"]).toBeGreaterThanOrEqual(45);
    });

    it.each<[string, HeaderRoute["match"], string, string]>([
      ["exact", { exact: "always" }, "always", "always-not"],
      ["prefix", { prefix: "beta-" }, "beta-user-7", "alpha-beta-"],
      ["regex", { regex: "user-[0-9]+$" }, "team user-42", "user-x"],
    ])("a %s header route overrides the weights until removed", async (_kind, match, hit, miss) => {
      await router.setWeights({ stable: 100, canary: 0 });
      await router.setHeaderRoute({ name: "testers", header: "X-Canary", match, version: "canary" });
      expect(await countAnswers(router.listen, 20, { "x-canary": hit })).toEqual({ canary: 20 });
      expect(await countAnswers(router.listen, 10, { "x-canary": miss })).toEqual({ stable: 10 });
      expect(await countAnswers(router.listen, 10)).toEqual({ stable: 10 });
      await router.removeHeaderRoute("testers");
      expect(await countAnswers(router.listen, 10, { "x-canary": hit })).toEqual({ stable: 10 });
    });

    it("keeps a client on its version with a sticky cookie", async () => {
      if (!isStickyRouter(router)) throw new Error(`${subject.name} has no setStickiness`);
      await router.setWeights({ stable: 50, canary: 50 });
      await router.setStickiness({ cookie: "pipec-version", maxAgeMs: 60_000 });
      const pinned = new Set<string>();
      for (let client = 0; client < 6; client++) {
        const first = await request(router.listen);
        const setCookie = first.headers["set-cookie"]?.[0] ?? "";
        expect(setCookie).toMatch(/^pipec-version=(stable|canary); Path=\/; HttpOnly; SameSite=Lax; Max-Age=60$/);
        const cookie = setCookie.split(";")[0] as string;
        expect(await countAnswers(router.listen, 20, { cookie: `other=1; ${cookie}` })).toEqual({ [first.body]: 20 });
        pinned.add(first.body);
      }
      expect([...pinned].sort()).toEqual(["canary", "stable"]);
      await router.setWeights({ stable: 100, canary: 0 });
      expect(await countAnswers(router.listen, 10, { cookie: "pipec-version=canary" })).toEqual({ stable: 10 });
      await router.setStickiness(null);
      await router.setWeights({ stable: 0, canary: 100 });
      expect(await countAnswers(router.listen, 10, { cookie: "pipec-version=stable" })).toEqual({ canary: 10 });
    });

    it("swaps instances and flips weights under keep-alive load with no failed request", async () => {
      const [a, b, c, d] = (["stable-a", "stable-b", "stable-c", "stable-d"] as const).map((id) => up[id]!);
      await router.setInstances("stable", [a!.instance]);
      await router.setWeights({ stable: 100 });
      const load = startLoad(router.listen, 4);
      const sets = [[c!], [c!, d!], [a!, b!], [d!], [a!]];
      for (const [round, next] of sets.entries()) {
        for (const upstream of Object.values(up)) upstream.mode.delayMs = 5;
        await new Promise((resolve) => setTimeout(resolve, 100));
        await router.setInstances("stable", next.map((upstream) => upstream.instance));
        await router.setWeights(round % 2 === 0 ? { stable: 90, canary: 10 } : { stable: 10, canary: 90 });
        const dropped = [a!, b!, c!, d!].filter((upstream) => !next.includes(upstream));
        // A request the router sent just before the swap may still be on its way: let it land.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await waitFor("dropped instances to finish their requests", () => dropped.every((upstream) => upstream.inFlight === 0));
        const before = dropped.map((upstream) => upstream.requests);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(dropped.map((upstream) => upstream.requests)).toEqual(before);
      }
      const result = await load.stop();
      expect(result.failures.slice(0, 5)).toEqual([]);
      expect(result.ok).toBe(result.sent);
      expect(result.ok).toBeGreaterThan(200);
    });

    it("counts a failing instance in its version's error rate only", async () => {
      up["canary-b"]!.mode.fail = true;
      await router.setWeights({ stable: 50, canary: 50 });
      const counts = await countAnswers(router.listen, 200);
      expect(counts).toEqual({ stable: 100, canary: 50, "status 500": 50 });
      const canary = await router.metrics("canary", 60_000);
      const stable = await router.metrics("stable", 60_000);
      expect(canary).toMatchObject({ requests: 100, errors: 50, errorRate: 0.5, successRate: 0.5 });
      expect(stable).toMatchObject({ requests: 100, errors: 0, errorRate: 0, successRate: 1 });
    });

    it("measures what 4 keep-alive clients sent, per version", async () => {
      await router.setWeights({ stable: 70, canary: 30 });
      for (const id of ["canary-a", "canary-b"]) up[id]!.mode.delayMs = 20;
      const perClient = await Promise.all(Array.from({ length: 4 }, () => countAnswers(router.listen, 50)));
      const sent = { stable: 0, canary: 0 };
      for (const counts of perClient) {
        sent.stable += counts.stable ?? 0;
        sent.canary += counts.canary ?? 0;
      }
      expect(sent.stable + sent.canary).toBe(200);
      const stable = (await router.metrics("stable", 60_000))!;
      const canary = (await router.metrics("canary", 60_000))!;
      expect([stable.requests, canary.requests]).toEqual([sent.stable, sent.canary]);
      expect([stable.errors, canary.errors]).toEqual([0, 0]);
      expect(canary.latencyAvgMs).toBeGreaterThanOrEqual(15);
      if (subject.percentiles) {
        expect(canary.latencyP50Ms).toBeGreaterThanOrEqual(19);
        expect(canary.latencyP50Ms!).toBeLessThanOrEqual(canary.latencyP95Ms!);
        expect(canary.latencyP95Ms!).toBeLessThanOrEqual(canary.latencyP99Ms!);
        // Per version, not pooled: stable's median is below the delayed canary's (its p99 can reach 20 ms on a loaded machine).
        expect(stable.latencyP50Ms!).toBeLessThan(canary.latencyP50Ms!);
      } else {
        expect([canary.latencyP50Ms, canary.latencyP95Ms, canary.latencyP99Ms]).toEqual([null, null, null]);
      }
      expect(await router.metrics("never-seen", 60_000)).toMatchObject({ requests: 0, errorRate: null });
    });

    it("retries a GET refused by one instance on another instance of the version", async () => {
      const dead = await startUpstream("stable", "dead");
      await dead.close();
      await router.setInstances("stable", [dead.instance, up["stable-a"]!.instance]);
      await router.setWeights({ stable: 100 });
      expect(await countAnswers(router.listen, 20)).toEqual({ stable: 20 });
    });

    it("streams bodies both ways and sets x-forwarded-for", async () => {
      await router.setWeights({ stable: 100 });
      const body = randomBytes(3 * 1024 * 1024);
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const [host, port] = router.listen.split(":");
        const req = http.request({ host, port: Number(port), method: "POST", path: "/echo" }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.once("end", () => resolve(Buffer.concat(chunks)));
        });
        req.once("error", reject);
        req.end(body);
      });
      expect(echoed.equals(body)).toBe(true);
      const big = await request(router.listen, { path: `/big?bytes=${8 * 1024 * 1024}` });
      expect(big.body.length).toBe(8 * 1024 * 1024);
      expect(big.headers["x-seen-xff"]).toBe("127.0.0.1");
    });

    it("frees its port on close (and HAProxy its state folder)", async () => {
      const port = Number(router.listen.split(":")[1]);
      await router.close();
      if (subject.name === "haproxy") expect(existsSync(stateDir!)).toBe(false);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      });
      await new Promise((resolve) => server.close(resolve));
    });
  });
});
