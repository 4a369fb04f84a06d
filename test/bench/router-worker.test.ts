import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ROUTER_WORKER_FLAG, RouterWorkerUsageError, parseResponseHead, parseRouterWorkerArgs, routerWorkerArgs, runLoad, type RouterWorkerCommand } from "../../bench/router-worker.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer({ keepAlive: true }, handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as AddressInfo).port;
}

describe("router worker arguments", () => {
  it.each<RouterWorkerCommand>([
    { op: "upstreams" },
    { op: "builtin", ports: [4001, 4002] },
    { op: "load", url: "http://127.0.0.1:4000/", connections: 16, durationMs: 5000 },
  ])("round-trip: $op", (command) => {
    const argv = routerWorkerArgs(command);
    expect(argv[0]).toBe(ROUTER_WORKER_FLAG);
    expect(parseRouterWorkerArgs(argv.slice(1))).toEqual(command);
  });

  it.each([
    [[]],
    [["upstreams", "x"]],
    [["builtin", "4001"]],
    [["builtin", "4001", "70000"]],
    [["builtin", "a", "b"]],
    [["load", "http://example.com/", "4", "1000"]],
    [["load", "http://127.0.0.1:4000/", "0", "1000"]],
    [["load", "http://127.0.0.1:4000/", "4"]],
    [["haproxy"]],
  ])("refuses %j", (argv) => {
    expect(() => parseRouterWorkerArgs(argv)).toThrow(RouterWorkerUsageError);
  });
});

describe("parseResponseHead", () => {
  it("reads the status and Content-Length, in any case", () => {
    expect(parseResponseHead("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 14")).toEqual({ status: 200, contentLength: 14 });
    expect(parseResponseHead("HTTP/1.0 503 Service Unavailable\r\ncontent-length:0")).toEqual({ status: 503, contentLength: 0 });
  });

  it("refuses what it cannot frame", () => {
    expect(parseResponseHead("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked")).toMatch(/needs Content-Length/);
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nx: y")).toBe("no Content-Length");
    expect(parseResponseHead("SSH-2.0-OpenSSH")).toMatch(/not an HTTP response/);
  });
});

describe("runLoad (the node generator)", () => {
  it("keeps N keep-alive connections busy for the duration and measures every request", async () => {
    const sockets = new Set<unknown>();
    let requests = 0;
    const port = await serve((req, res) => {
      sockets.add(req.socket);
      requests++;
      res.writeHead(requests % 10 === 0 ? 500 : 200, { "content-length": 3 });
      res.end("ok\n");
    });
    const result = await runLoad(`http://127.0.0.1:${port}/`, 3, 300);
    expect(result.requests).toBe(requests);
    expect(result.requests).toBeGreaterThan(10);
    expect(sockets.size).toBe(3);
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(Math.floor(requests / 10));
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(result.rps).toBeCloseTo(result.requests / (result.durationMs / 1000), 6);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it("counts a refused connection as one error and does not retry it", async () => {
    const port = await serve(() => {});
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const result = await runLoad(`http://127.0.0.1:${port}/`, 2, 200);
    expect(result).toMatchObject({ requests: 0, errors: 2, rps: 0 });
  });
});
