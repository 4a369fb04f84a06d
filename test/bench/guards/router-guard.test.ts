import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { guardLoad, type LoadMeasurement } from "../../../bench/guards/router-guard.ts";
import { ROUTER_WEIGHTS, runLoad } from "../../../bench/router-worker.ts";
import { createBuiltinRouter } from "../../../runtime/deploy/router/index.ts";

const ok = { requests: 10_000, errors: 0, non2xx: 0 };
const measured = (served: readonly [number, number] | null, result = ok): LoadMeasurement => ({ result, connections: 4, served });
const weights = { weights: ROUTER_WEIGHTS };
const v1Only = { weights: { v1: 1, v2: 0 } };

describe("guardLoad on hand-written counts", () => {
  it("a 90/10 split of all-2xx answers is valid for a router; all to v1 is valid for direct", () => {
    expect(guardLoad(measured([9_002, 1_000]), weights)).toEqual({ valid: true });
    expect(guardLoad(measured([10_003, 0]), v1Only)).toEqual({ valid: true });
  });

  it.each([
    { what: "502 answers", m: measured([0, 0], { requests: 10_000, errors: 0, non2xx: 10_000 }), reason: "10000 of 10000 responses were not 2xx" },
    { what: "connection errors", m: measured([9_000, 1_000], { requests: 10_000, errors: 3, non2xx: 0 }), reason: "3 connection errors or timeouts" },
    { what: "nothing completed", m: measured([0, 0], { requests: 0, errors: 7, non2xx: 0 }), reason: "no request completed (7 connection errors)" },
    { what: "unreadable counters", m: measured(null), reason: "the upstreams' request counters could not be read, so where the requests went is unknown" },
    { what: "answers no upstream served", m: measured([100, 10]), reason: "the upstreams served 110 requests, the generator counted 10000 responses" },
    { what: "a 50/50 split", m: measured([5_000, 5_000]), reason: "v2 got 50.0% of the requests (5000 of 10000); the weights say 10.0% (±2.0%)" },
  ])("INVALID for a router: $what", ({ m, reason }) => {
    expect(guardLoad(m, weights)).toEqual({ valid: false, reason });
  });

  it("INVALID for direct when any request reached v2", () => {
    expect(guardLoad(measured([9_999, 1]), v1Only)).toEqual({ valid: false, reason: "1 requests reached v2, which this target must not reach" });
  });
});

/** Real measurements: the bench's node load generator against real servers and pipec's builtin router. */
describe("guardLoad on real load runs", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function upstream(status: number): Promise<{ port: number; served: () => number }> {
    let served = 0;
    const server = http.createServer({ keepAlive: true }, (_req, res) => {
      served++;
      res.writeHead(status, { "content-length": 3 });
      res.end("ok\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return { port: (server.address() as AddressInfo).port, served: () => served };
  }

  it("a server answering 502 is INVALID; one answering 200 is valid", async () => {
    const bad = await upstream(502);
    const badResult = await runLoad(`http://127.0.0.1:${bad.port}/`, 2, 300);
    const verdict = guardLoad({ result: badResult, connections: 2, served: [bad.served(), 0] }, v1Only);
    expect(verdict.valid).toBe(false);
    expect(verdict.valid ? "" : verdict.reason).toMatch(/^\d+ of \d+ responses were not 2xx$/);

    const good = await upstream(200);
    const goodResult = await runLoad(`http://127.0.0.1:${good.port}/`, 2, 300);
    expect(guardLoad({ result: goodResult, connections: 2, served: [good.served(), 0] }, v1Only)).toEqual({ valid: true });
  });

  it("the builtin router at 90/10 is valid; at 50/50, judged against 90/10, INVALID", async () => {
    const [v1, v2] = [await upstream(200), await upstream(200)];
    const router = await createBuiltinRouter({ listen: "127.0.0.1:0" });
    closers.push(() => router.close());
    await router.setInstances("v1", [{ id: "v1-0", host: "127.0.0.1", port: v1.port }]);
    await router.setInstances("v2", [{ id: "v2-0", host: "127.0.0.1", port: v2.port }]);
    const run = async () => {
      const before = [v1.served(), v2.served()] as const;
      const result = await runLoad(`http://${router.listen}/`, 2, 400);
      return { result, connections: 2, served: [v1.served() - before[0], v2.served() - before[1]] as const };
    };
    await router.setWeights(ROUTER_WEIGHTS);
    expect(guardLoad(await run(), weights)).toEqual({ valid: true });
    await router.setWeights({ v1: 50, v2: 50 });
    const verdict = guardLoad(await run(), weights);
    expect(verdict.valid).toBe(false);
    expect(verdict.valid ? "" : verdict.reason).toMatch(/^v2 got (49|50|51)\.\d% of the requests .*; the weights say 10\.0% \(±2\.0%\)$/);
  });
});
