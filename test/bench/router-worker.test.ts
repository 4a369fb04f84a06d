import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ROUTER_WORKER_FLAG, RouterWorkerUsageError, parseResponseHead, parseRouterWorkerArgs, routerWorkerArgs, runLoad, startRelay, type RouterWorkerCommand } from "../../bench/router-worker.ts";

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
    { op: "relay", port: 4001 },
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
    [["relay"]],
    [["relay", "70000"]],
    [["relay", "4001", "4002"]],
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

describe("startRelay (the node floor)", () => {
  it("relays keep-alive requests to the upstream byte for byte, one upstream connection per client connection", async () => {
    const upstreamSockets = new Set<unknown>();
    const port = await serve((req, res) => {
      upstreamSockets.add(req.socket);
      res.writeHead(200, { "content-length": req.url!.length });
      res.end(req.url);
    });
    const relay = await startRelay(port);
    try {
      const result = await runLoad(`http://127.0.0.1:${relay.port}/abc`, 2, 200);
      expect(result.requests).toBeGreaterThan(10);
      expect(result).toMatchObject({ errors: 0, non2xx: 0 });
      expect(upstreamSockets.size).toBe(2);
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: relay.port, path: "/xyz", agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk)).on("end", () => resolve(text));
        }).on("error", reject);
      });
      expect(body).toBe("/xyz");
    } finally {
      await relay.close();
    }
  });

  it("closes the client when the upstream is not there", async () => {
    const port = await serve(() => {});
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const relay = await startRelay(port);
    try {
      const result = await runLoad(`http://127.0.0.1:${relay.port}/`, 1, 200);
      expect(result).toMatchObject({ requests: 0, errors: 1 });
    } finally {
      await relay.close();
    }
  });
});
