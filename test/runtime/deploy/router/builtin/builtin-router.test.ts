/** Builtin-only behaviour beyond the shared contract: upstream timeouts and failures as counted errors. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuiltinRouter, type BuiltinRouter } from "../../../../../runtime/deploy/router/index.ts";
import { countAnswers, request, startUpstream, type TestUpstream } from "../upstreams.ts";

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

  it("answers 502 when every instance refuses, and rejects a listen address off loopback", async () => {
    const dead = await startUpstream("dead", "dead-a");
    await dead.close();
    await router.setInstances("dead", [dead.instance]);
    await router.setWeights({ dead: 100 });
    expect(await countAnswers(router.listen, 2)).toEqual({ "status 502": 2 });
    await expect(createBuiltinRouter({ listen: "0.0.0.0:0" })).rejects.toThrow(/loopback only/);
  });
});
