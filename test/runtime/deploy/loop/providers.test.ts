/** Analysis providers: what a metric's measurement becomes before it is judged (http against a stub, commands on the host). */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureMetric, type ProviderContext } from "../../../../runtime/deploy/loop/providers.ts";
import type { Router } from "../../../../runtime/deploy/types.ts";
import { MetricSchema, type Metric } from "../../../../runtime/plan/schema.ts";

const metric = (provider: unknown): Metric => MetricSchema.parse({ name: "m", provider, threshold: { max: 1 } });

describe("measureMetric", () => {
  let server: http.Server;
  let base: string;
  let closedPort: number;
  beforeAll(async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    server = http.createServer((req, res) => {
      if (req.url === "/json") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { rate: 0.02 } }));
      if (req.url === "/number") return void res.writeHead(200).end("0.5\n");
      if (req.url === "/text") return void res.writeHead(200).end("all good\n");
      if (req.url === "/echo") {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        return void req.on("end", () => res.writeHead(200).end(JSON.stringify({ method: req.method, header: req.headers["x-probe"], body })));
      }
      if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("1"), 2_000);
      res.writeHead(503).end("down for maintenance");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const router = { metrics: async (version: string, windowMs: number) => ({ requests: windowMs, errors: version === "r2" ? 1 : 0, errorRate: null, successRate: null, latencyAvgMs: null, latencyP50Ms: null, latencyP95Ms: null, latencyP99Ms: null }) } as unknown as Router;
  const context: ProviderContext = { router: () => router, version: "r2", cwd: process.cwd(), env: { DEPLOY_VERSION: "r2" } };

  it("builtin: the router's counters for the measured version over the window", async () => {
    expect(await measureMetric(metric({ kind: "builtin", metric: "errorRate" }), 30_000, context)).toMatchObject({ kind: "router", metrics: { requests: 30_000, errors: 1 } });
  });

  it.each([
    ["JSON with a jsonPath", { url: "/json", jsonPath: "$.data.rate" }, { kind: "value", value: 0.02 }],
    ["JSON without a jsonPath", { url: "/json" }, { kind: "value", value: { data: { rate: 0.02 } } }],
    ["a bare number (JSON)", { url: "/number" }, { kind: "value", value: 0.5 }],
    ["text", { url: "/text" }, { kind: "value", value: "all good\n" }],
    ["a path with nothing there", { url: "/json", jsonPath: "$.data.missing" }, { kind: "value", value: null }],
  ])("http: %s", async (_case, provider, expected) => {
    expect(await measureMetric(metric({ kind: "http", ...provider, url: `${base}${provider.url}` }), 1_000, context)).toEqual(expected);
  });

  it("http: method, headers and body are sent", async () => {
    const sample = await measureMetric(metric({ kind: "http", url: `${base}/echo`, method: "POST", headers: { "x-probe": "yes" }, body: "q=1" }), 1_000, context);
    expect(sample).toEqual({ kind: "value", value: { method: "POST", header: "yes", body: "q=1" } });
  });

  it.each([
    ["a non-2xx answer", { url: "/down" }, /HTTP 503: down for maintenance/],
    ["no answer in time", { url: "/slow", timeoutMs: 100 }, /no answer within 100 ms/],
    ["a refused connection", { url: "closed" }, /ECONNREFUSED/],
  ])("http: %s is a provider error, not a failure", async (_case, provider, message) => {
    const url = provider.url === "closed" ? `http://127.0.0.1:${closedPort}/` : `${base}${provider.url}`;
    const sample = await measureMetric(metric({ kind: "http", ...provider, url }), 1_000, context);
    expect(sample).toMatchObject({ kind: "error", message: expect.stringMatching(message) });
  });

  it("command: exit code and stdout, with the deployment's variables", async () => {
    expect(await measureMetric(metric({ kind: "command", run: ["node", "-e", "console.log(process.env.DEPLOY_VERSION)"] }), 1_000, context)).toEqual({ kind: "exit", code: 0, output: "r2" });
    expect(await measureMetric(metric({ kind: "command", run: ["node", "-e", "console.error('bad'); process.exit(4)"] }), 1_000, context)).toEqual({ kind: "exit", code: 4, output: "bad" });
    expect(await measureMetric(metric({ kind: "command", run: ["node", "-e", "setTimeout(() => {}, 10000)"], timeoutMs: 200 }), 1_000, context)).toMatchObject({ kind: "error", message: expect.stringMatching(/no result within 200 ms/) });
    expect(await measureMetric(metric({ kind: "command", run: ["no-such-command-pipec"] }), 1_000, context)).toMatchObject({ kind: "error", message: expect.stringMatching(/ENOENT/) });
  });
});
