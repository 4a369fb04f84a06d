/** Builtin-only behaviour beyond the shared contract: upstream timeouts and failures as counted errors. */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuiltinRouter, type BuiltinRouter } from "../../../../../runtime/deploy/router/index.ts";
import { countAnswers, request, startUpstream, type TestUpstream } from "../upstreams.ts";

/** One HTTP/1.0 request on a raw socket (node:http serves those, not the fast path); the status code. */
function http10Status(listen: string, method: string): Promise<number> {
  const [host, port] = listen.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host, () => socket.write(`${method} / HTTP/1.0\r\nHost: ${listen}\r\n\r\n`));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.once("error", reject);
    socket.once("close", () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe("builtin router", () => {
  let router: BuiltinRouter;
  let slow: TestUpstream;

  beforeAll(async () => {
    slow = await startUpstream("slow", "slow-a");
    router = await createBuiltinRouter({ listen: "127.0.0.1:0", upstreamTimeoutMs: 150 });
  });
  afterAll(async () => {
    await router.close();
    await slow.close();
  });

  it("answers 504 to an upstream slower than upstreamTimeoutMs and counts it as an error", async () => {
    slow.mode.delayMs = 1000;
    await router.setInstances("slow", [slow.instance]);
    await router.setWeights({ slow: 100 });
    const answer = await request(router.listen);
    expect(answer.status).toBe(504);
    expect(answer.body).toBe('pipec router: upstream timed out (version "slow")\n');
    expect(await router.metrics("slow", 10_000)).toMatchObject({ requests: 1, errors: 1, errorRate: 1 });
  });

  it("answers 503 for a weighted version without instances, counted for that version", async () => {
    await router.setInstances("empty", []);
    await router.setWeights({ empty: 100 });
    expect(await countAnswers(router.listen, 3)).toEqual({ "status 503": 3 });
    expect(await router.metrics("empty", 10_000)).toMatchObject({ requests: 3, errors: 3 });
  });

  it("retries a request refused by a dying instance once on the other version with traffic (fast path and node:http), counting the failure for the version that refused", async () => {
    const live = await startUpstream("stable", "stable-a");
    const dead = await startUpstream("canary", "canary-a");
    await dead.close();
    const split = await createBuiltinRouter({ listen: "127.0.0.1:0" });
    try {
      await split.setInstances("stable", [live.instance]);
      await split.setInstances("canary", [dead.instance]);
      await split.setWeights({ stable: 50, canary: 50 });
      // Fast path, keep-alive GETs: half are routed to the dead canary, every one is answered by stable.
      expect(await countAnswers(split.listen, 10)).toEqual({ stable: 10 });
      // A bodiless POST that was refused never reached the instance: retried as well.
      const posts = await Promise.all(Array.from({ length: 4 }, () => request(split.listen, { method: "POST" })));
      expect(posts.map((a) => a.body)).toEqual(["stable", "stable", "stable", "stable"]);
      // node:http's path (HTTP/1.0) retries the same way.
      expect(await Promise.all(Array.from({ length: 4 }, () => http10Status(split.listen, "GET")))).toEqual([200, 200, 200, 200]);
      const canary = await split.metrics("canary", 10_000);
      expect(canary?.requests).toBeGreaterThanOrEqual(9);
      expect(canary?.errors).toBe(canary?.requests);
      expect(await split.metrics("stable", 10_000)).toMatchObject({ requests: 18, errors: 0 });
      // A request with a body may have been read by nobody or by somebody: it is not sent twice.
      const withBody = await Promise.all(Array.from({ length: 6 }, () => request(split.listen, { method: "POST", path: "/echo", body: Buffer.from("x") })));
      expect(withBody.map((a) => a.status).sort()).toEqual([200, 200, 200, 502, 502, 502]);
    } finally {
      await split.close();
      await live.close();
    }
  });

  it("answers 502 when every instance refuses, and rejects a listen address off loopback", async () => {
    const dead = await startUpstream("dead", "dead-a");
    await dead.close();
    await router.setInstances("dead", [dead.instance]);
    await router.setWeights({ dead: 100 });
    expect(await countAnswers(router.listen, 2)).toEqual({ "status 502": 2 });
    await expect(createBuiltinRouter({ listen: "0.0.0.0:0" })).rejects.toThrow(/loopback only/);
  });
});
