/**
 * HTTP/1.1 conformance of the builtin proxy, checked on the wire: message framing, connection
 * management, hop-by-hop headers, request smuggling guards, upstream failures and backpressure.
 * Clients and upstreams are raw sockets (raw-http.ts), so what the proxy writes is compared byte
 * for byte rather than through node:http's forgiving parser. Any implementation of
 * createBuiltinRouter must pass this file unchanged.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createBuiltinRouter, type BuiltinRouter } from "../../../../../runtime/deploy/router/index.ts";
import type { InstanceAddress, VersionMetrics } from "../../../../../runtime/deploy/types.ts";
import { connectRaw, header, startRawUpstream, type RawAnswer, type RawClient, type RawResponse, type RawUpstream } from "./raw-http.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  // Everything is closed even when a check in a cleanup fails; the first failure is reported.
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve().then(cleanup).catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

async function upstream(id: string, answer: RawAnswer): Promise<RawUpstream> {
  const started = await startRawUpstream(id, answer);
  cleanups.push(async () => {
    await started.close();
    expect(started.errors.map((error) => error.message)).toEqual([]);
  });
  return started;
}

async function client(listen: string): Promise<RawClient> {
  const connected = await connectRaw(listen);
  cleanups.push(() => connected.destroy());
  return connected;
}

/** A router serving `instances` per version; the first version gets all the weight unless `weights` says otherwise. */
async function proxy(instances: Record<string, readonly InstanceAddress[]>, weights?: Record<string, number>): Promise<BuiltinRouter> {
  const router = await createBuiltinRouter({ listen: "127.0.0.1:0" });
  cleanups.push(() => router.close());
  for (const [version, list] of Object.entries(instances)) await router.setInstances(version, list);
  await router.setWeights(weights ?? { [Object.keys(instances)[0] as string]: 100 });
  return router;
}

/** `200 OK` with a Content-Length body and `extra` header lines (each ending in CRLF). */
function ok(body: string | Buffer, extra = ""): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body, "latin1") : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`, "latin1"), bytes]);
}

function get(path: string, extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: app.test\r\n${extra}\r\n`;
}

/** Answers every request with its target as the body. */
const answerTarget: RawAnswer = (request, socket) => void socket.write(ok(request.target));

async function expectServed(listen: string, path = "/still-serving"): Promise<void> {
  const next = await client(listen);
  next.write(get(path));
  const response = await next.readResponse();
  expect([response.status, response.body.toString()]).toEqual([200, path]);
}

/** Reads a response, waits for the close, and checks nothing followed it. */
async function readFinalResponse(connection: RawClient, method = "GET"): Promise<RawResponse> {
  const response = await connection.readResponse(method);
  await connection.waitClosed();
  expect(connection.pending).toBe(0);
  return response;
}

async function waitForMetrics(router: BuiltinRouter, version: string, expected: Partial<VersionMetrics>): Promise<void> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const metrics = await router.metrics(version, 60_000);
    try {
      expect(metrics).toMatchObject(expected);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

describe("builtin proxy: HTTP/1.1 conformance", () => {
  describe("message framing", () => {
    it("answers requests pipelined in one write in request order, bodies included", async () => {
      const up = await upstream("a", async (request, socket) => {
        // The first request is answered last upstream: the proxy must still keep the client's order.
        await sleep(40 - 10 * Number(request.target.slice(1)));
        socket.write(ok(`answer ${request.target} ${request.body.toString()}`));
      });
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/1") + "POST /2 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello" + get("/3") + get("/4"));
      const bodies: string[] = [];
      for (let i = 0; i < 4; i++) bodies.push((await c.readResponse()).body.toString());
      expect(bodies).toEqual(["answer /1 ", "answer /2 hello", "answer /3 ", "answer /4 "]);
      expect(up.requests.map((request) => request.target).sort()).toEqual(["/1", "/2", "/3", "/4"]);
    });

    it("forwards a Content-Length request body byte for byte", async () => {
      const up = await upstream("a", (request, socket) => void socket.write(ok(`got ${request.body.length}`)));
      const router = await proxy({ v1: [up.instance] });
      const body = Buffer.concat([Buffer.from("\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), randomBytes(100_000)]);
      const c = await client(router.listen);
      c.write(Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      expect((await c.readResponse()).body.toString()).toBe(`got ${body.length}`);
      const [received] = up.requests;
      expect(up.requests).toHaveLength(1);
      expect(header(received!, "content-length")).toBe(String(body.length));
      expect(header(received!, "transfer-encoding")).toBeUndefined();
      expect(received!.body.equals(body)).toBe(true);
    });

    it("forwards a chunked request body, which the upstream decodes intact", async () => {
      const up = await upstream("a", (request, socket) => void socket.write(ok(`got ${request.body.length}`)));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write("POST /upload HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      await sleep(10);
      // Chunk data that looks like framing must stay data.
      const tricky = "\r\n0\r\n\r\nnot-a-trailer: x\r\n";
      c.write(`7;ext=1\r\n, world\r\n${tricky.length.toString(16)}\r\n${tricky}\r\n0\r\n\r\n`);
      const expected = `hello, world${tricky}`;
      expect((await c.readResponse()).body.toString()).toBe(`got ${expected.length}`);
      expect(up.requests.map((request) => request.body.toString())).toEqual([expected]);
      c.write(get("/after"));
      expect((await c.readResponse()).status).toBe(200);
    });

    it("forwards a request whose head and body arrive in many small writes", async () => {
      const up = await upstream("a", (request, socket) => void socket.write(ok(`got ${request.body.length}`)));
      const router = await proxy({ v1: [up.instance] });
      const body = randomBytes(2000);
      const bytes = Buffer.concat([Buffer.from(`PUT /pieces HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
      const c = await client(router.listen);
      for (let at = 0; at < bytes.length; at += 37) {
        c.write(bytes.subarray(at, at + 37));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await c.readResponse()).body.toString()).toBe(`got ${body.length}`);
      expect(up.requests[0]?.body.equals(body)).toBe(true);
    });

    it("answers HEAD with the upstream's headers and no body, and keeps the connection usable", async () => {
      const up = await upstream("a", (request, socket) => {
        if (request.method === "HEAD") socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
        else socket.write(ok("hello", "Content-Type: text/plain\r\n"));
      });
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write("HEAD /doc HTTP/1.1\r\nHost: app.test\r\n\r\n");
      const head = await c.readResponse("HEAD");
      expect([head.status, header(head, "content-length"), head.body.length]).toEqual([200, "5", 0]);
      await sleep(20);
      expect(c.pending).toBe(0);
      c.write(get("/doc"));
      expect((await c.readResponse()).body.toString()).toBe("hello");
    });

    it.each([
      ["204", "HTTP/1.1 204 No Content\r\nX-Done: 1\r\n\r\n"],
      ["304 with the representation's Content-Length", 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 5\r\n\r\n'],
    ])("relays a %s without a body and keeps the connection usable", async (_name, answer) => {
      const up = await upstream("a", (request, socket) => void socket.write(request.target === "/empty" ? answer : ok("next")));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/empty"));
      const empty = await c.readResponse();
      expect([empty.status, empty.body.length, header(empty, "transfer-encoding")]).toEqual([Number(answer.slice(9, 12)), 0, undefined]);
      await sleep(20);
      expect(c.pending).toBe(0);
      c.write(get("/next"));
      expect((await c.readResponse()).body.toString()).toBe("next");
    });

    it.each([
      ["several chunks", ["4\r\nWiki\r\n", "5;note=x\r\npedia\r\n", "E\r\n in\r\n\r\nchunks.\r\n", "0\r\n\r\n"], ""],
      ["a trailer", ["4\r\nWiki\r\n", "5\r\npedia\r\n", "E\r\n in\r\n\r\nchunks.\r\n0\r\nX-Checksum: abc\r\n\r\n"], "Trailer: X-Checksum\r\n"],
    ])("relays a chunked response with %s, decoded intact", async (_name, chunks, extra) => {
      const up = await upstream("a", async (request, socket) => {
        if (request.target !== "/chunked") return void socket.write(ok("next"));
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`);
        for (const chunk of chunks) {
          await sleep(5);
          socket.write(chunk);
        }
      });
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/chunked"));
      expect((await c.readResponse()).body.toString()).toBe("Wikipedia in\r\n\r\nchunks.");
      c.write(get("/next"));
      expect((await c.readResponse()).body.toString()).toBe("next");
    });

    it("relays a close-delimited response whole, and the client connection stays usable", async () => {
      const up = await upstream("a", async (request, socket) => {
        if (request.target !== "/stream") return void socket.write(ok("next"));
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ");
        await sleep(20);
        socket.end("part two");
      });
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/stream"));
      expect((await c.readResponse()).body.toString()).toBe("part one, part two");
      c.write(get("/next"));
      expect((await c.readResponse()).body.toString()).toBe("next");
    });
  });

  describe("connection management", () => {
    it("opens a new upstream connection after the upstream answers Connection: close", async () => {
      const up = await upstream("a", (request, socket) => void socket.end(ok(request.target, "Connection: close\r\n")));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      for (const path of ["/1", "/2"]) {
        c.write(get(path));
        const response = await c.readResponse();
        expect([response.status, response.body.toString()]).toEqual([200, path]);
        expect(header(response, "connection") ?? "").not.toMatch(/close/i);
      }
      expect(c.closed).toBe(false);
      expect(up.connections).toBe(2);
    });

    it("closes the client connection after answering a request with Connection: close", async () => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/last", "Connection: close\r\n"));
      const response = await readFinalResponse(c);
      expect([response.status, response.body.toString(), header(response, "connection")]).toEqual([200, "/last", "close"]);
    });

    it("answers an HTTP/1.0 request without keep-alive unchunked, then closes", async () => {
      const up = await upstream("a", (_request, socket) => void socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nold an\r\n7\r\nd plain\r\n0\r\n\r\n"));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write("GET /legacy HTTP/1.0\r\nHost: app.test\r\n\r\n");
      const response = await readFinalResponse(c);
      expect([response.status, header(response, "transfer-encoding"), response.body.toString()]).toEqual([200, undefined, "old and plain"]);
    });

    it("keeps an HTTP/1.0 connection open when the client asks for keep-alive and the length is known", async () => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      for (const path of ["/one", "/two"]) {
        c.write(`GET ${path} HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n`);
        const response = await c.readResponse();
        expect([response.status, response.body.toString(), header(response, "connection")?.toLowerCase()]).toEqual([200, path, "keep-alive"]);
      }
      expect(c.closed).toBe(false);
    });
  });

  describe("headers", () => {
    it("drops hop-by-hop request headers, keeps the others' case and order, and extends x-forwarded-for", async () => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(
        "GET /h HTTP/1.1\r\nHost: app.test\r\nX-Custom-Case: A\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n" +
          "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nx-Forwarded-For: 1.2.3.4\r\nAccept: */*\r\nX-Zeta: z\r\nX-alpha: a\r\n\r\n",
      );
      expect((await c.readResponse()).status).toBe(200);
      const seen = up.requests[0]!;
      const names = seen.headers.map(([name]) => name.toLowerCase());
      expect(names).not.toContain("x-secret");
      expect(names).not.toContain("keep-alive");
      expect(names).not.toContain("proxy-connection");
      expect(header(seen, "connection") ?? "").not.toMatch(/x-secret/i);
      expect(header(seen, "x-forwarded-for")).toBe("1.2.3.4, 127.0.0.1");
      const endToEnd = seen.headers.filter(([name]) => !/^(connection|x-forwarded-for)$/i.test(name));
      expect(endToEnd).toEqual([["Host", "app.test"], ["X-Custom-Case", "A"], ["Accept", "*/*"], ["X-Zeta", "z"], ["X-alpha", "a"]]);
    });

    it("drops the upstream's hop-by-hop response headers", async () => {
      const up = await upstream("a", (_request, socket) =>
        void socket.write(ok("body", "Connection: keep-alive, X-Upstream-Hop\r\nKeep-Alive: timeout=77, max=9\r\nX-Upstream-Hop: 1\r\nX-End: 2\r\n")),
      );
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/"));
      const response = await c.readResponse();
      expect([response.status, header(response, "x-end"), header(response, "x-upstream-hop")]).toEqual([200, "2", undefined]);
      expect(header(response, "connection") ?? "").not.toMatch(/x-upstream-hop/i);
      expect(header(response, "keep-alive") ?? "").not.toMatch(/77/);
    });

    it.each(["GET /a/b%20c/%2F?x=1&y=%2F&z&empty=", "DELETE /items/7?force=true", "OPTIONS *", "PATCH /items/7;matrix=1?q=%E2%9C%93&q=2"])(
      "preserves the method and target of %s exactly",
      async (sent) => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(`${sent} HTTP/1.1\r\nHost: app.test\r\n\r\n`);
      expect((await c.readResponse()).status).toBe(200);
      expect(up.requests[0]?.head.split("\r\n")[0]).toBe(`${sent} HTTP/1.1`);
      },
    );
  });

  describe("request smuggling and malformed requests", () => {
    const smuggled = "GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n";
    it.each([
      ["Content-Length and Transfer-Encoding", `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
      ["Transfer-Encoding and Content-Length", `POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n0\r\n\r\n${smuggled}`],
      ["two different Content-Length values", `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello${smuggled}`],
      ["a Content-Length list", `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5, 50\r\n\r\nhello${smuggled}`],
      ["a non-numeric Content-Length", `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: abc\r\n\r\n${smuggled}`],
      ["a signed Content-Length", `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: +5\r\n\r\nhello${smuggled}`],
      ["a Transfer-Encoding not ending in chunked", `POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`],
      ["whitespace before a header colon", `POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`],
    ])("rejects a request with %s: 400, closed, nothing forwarded", async (_name, bytes) => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(bytes);
      expect((await readFinalResponse(c)).status).toBe(400);
      await sleep(20);
      expect(up.requests).toEqual([]);
      await expectServed(router.listen);
    });

    it.each([
      ["a garbage request line", "GARBAGE\r\n\r\n"],
      ["an unknown HTTP version", "GET / HTTP/7.3\r\nHost: app.test\r\n\r\n"],
      ["a header line without a colon", "GET / HTTP/1.1\r\nHost: app.test\r\nNoColonHere\r\n\r\n"],
      ["a space inside a header name", "GET / HTTP/1.1\r\nHost: app.test\r\nX Bad: 1\r\n\r\n"],
    ])("answers %s with 400 and closes", async (_name, bytes) => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(bytes);
      expect((await readFinalResponse(c)).status).toBe(400);
      expect(up.requests).toEqual([]);
      await expectServed(router.listen);
    });

    it("refuses a request with two Host headers (400, nothing forwarded), first on a connection or after a good one", async () => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const twoHosts = "GET /two HTTP/1.1\r\nHost: app.test\r\nHost: evil.test\r\n\r\n";
      const first = await client(router.listen);
      first.write(twoHosts);
      expect((await readFinalResponse(first)).status).toBe(400);
      const second = await client(router.listen);
      second.write(get("/fine"));
      expect((await second.readResponse()).status).toBe(200);
      second.write(twoHosts);
      expect((await readFinalResponse(second)).status).toBe(400);
      expect(up.requests.map((r) => r.startLine[1])).toEqual(["/fine"]);
      await expectServed(router.listen);
    });

    it.each([
      ["on the fast path", ""],
      ["after node:http took the connection over (a chunked upload first)", "POST /upload HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"],
    ])("closes a client that trickles a request head past the head timeout (slowloris) %s", async (_where, before) => {
      const up = await upstream("a", answerTarget);
      const router = await createBuiltinRouter({ listen: "127.0.0.1:0", headTimeoutMs: 500 });
      cleanups.push(() => router.close());
      await router.setInstances("v1", [up.instance]);
      await router.setWeights({ v1: 100 });
      const c = await connectRaw(router.listen, 5000);
      cleanups.push(() => c.destroy());
      if (before !== "") {
        c.write(before);
        expect((await c.readResponse()).status).toBe(200);
      }
      const started = Date.now();
      const head = get("/slow", "X-Slow: 1\r\n");
      for (let i = 0; i < head.length - 2 && !c.closed && Date.now() - started < 4000; i++) {
        c.write(head[i]!);
        await sleep(100);
      }
      await c.waitClosed();
      expect(Date.now() - started).toBeLessThan(4000);
      expect(up.requests.map((r) => r.startLine[1])).not.toContain("/slow");
      await expectServed(router.listen);
    });

    it("answers a request head over 64 KiB with a 4xx and closes, then serves the next client", async () => {
      const up = await upstream("a", answerTarget);
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/huge", `X-Filler: ${"f".repeat(65 * 1024)}\r\n`));
      const response = await c.readResponse();
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      await c.waitClosed();
      expect(up.requests).toEqual([]);
      await expectServed(router.listen);
    });
  });

  describe("upstream failures", () => {
    it("closes the client connection when the upstream dies mid-response, counted as an error", async () => {
      const up = await upstream("a", (_request, socket) => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        setTimeout(() => socket.destroy(), 10);
      });
      const router = await proxy({ v1: [up.instance] });
      const [host, port] = router.listen.split(":") as [string, string];
      // A keep-alive client: a proxy that just ended the response early would leave it waiting, not closed.
      const agent = new http.Agent({ keepAlive: true });
      cleanups.push(() => agent.destroy());
      const outcome = await new Promise<{ closed: boolean; bytes: number; complete: boolean; error?: string }>((resolve) => {
        const req = http.get({ host, port: Number(port), path: "/", agent }, (res) => {
          let bytes = 0;
          let error: string | undefined;
          const timer = setTimeout(() => resolve({ closed: false, bytes, complete: res.complete }), 1000);
          res.on("data", (chunk: Buffer) => (bytes += chunk.length));
          res.on("error", (cause: Error) => (error = cause.message));
          res.once("close", () => {
            clearTimeout(timer);
            resolve({ closed: true, bytes, complete: res.complete, error });
          });
        });
        req.once("error", (cause) => resolve({ closed: true, bytes: 0, complete: false, error: cause.message }));
      });
      expect(outcome).toMatchObject({ closed: true, complete: false, error: expect.any(String) });
      expect(outcome.bytes).toBeLessThan(100);
      await waitForMetrics(router, "v1", { requests: 1, errors: 1 });
    });

    it("answers 502 with a body when the instance refuses connections", async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const router = await proxy({ v1: [{ id: "gone", host: "127.0.0.1", port }] });
      const c = await client(router.listen);
      c.write(get("/"));
      const response = await c.readResponse();
      expect([response.status, response.body.toString()]).toEqual([502, 'pipec router: upstream failed (version "v1")\n']);
      expect(header(response, "content-length")).toBe(String(response.body.length));
    });

    it("answers 503 with a body for a weighted version without instances", async () => {
      const router = await proxy({ v1: [] });
      const c = await client(router.listen);
      c.write(get("/"));
      const response = await c.readResponse();
      expect([response.status, response.body.toString()]).toEqual([503, 'pipec router: no instance (version "v1")\n']);
      c.write(get("/again"));
      expect((await c.readResponse()).status).toBe(503);
    });
  });

  describe("flow control and protocol switches", () => {
    it("delivers 8 MiB intact to a client that stops reading for a while", async () => {
      const body = randomBytes(8 * 1024 * 1024);
      const up = await upstream("a", (_request, socket) => void socket.write(ok(body)));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.socket.pause();
      c.write(get("/big"));
      await sleep(300);
      c.socket.resume();
      const response = await c.readResponse();
      expect(header(response, "content-length")).toBe(String(body.length));
      expect(createHash("sha256").update(response.body).digest("hex")).toBe(createHash("sha256").update(body).digest("hex"));
    });

    it("handles Expect: 100-continue: the client may send its body and the upstream receives it", async () => {
      const up = await upstream("a", (request, socket) => void socket.write(ok(`got ${request.body.toString()}`)));
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write("POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
      const first = c.readResponse();
      const answered = await Promise.race([first.then(() => true), sleep(500).then(() => false)]);
      expect(answered).toBe(true);
      c.write("hello world");
      let response = await first;
      while (response.status >= 100 && response.status < 200) {
        expect([response.status, response.body.length]).toEqual([100, 0]);
        response = await c.readResponse();
      }
      expect([response.status, response.body.toString()]).toEqual([200, "got hello world"]);
      expect(up.requests.map((request) => request.body.toString())).toEqual(["hello world"]);
    });

    it("survives an Upgrade request and keeps serving other clients", async () => {
      const up = await upstream("a", (request, socket) => {
        if (header(request, "upgrade") === undefined) return void socket.write(ok(request.target));
        socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
      });
      const router = await proxy({ v1: [up.instance] });
      const c = await client(router.listen);
      c.write(get("/chat", "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"));
      // Whatever the answer (a response, or a close), it comes promptly and the router lives on.
      await c.readResponse().catch(() => c.waitClosed());
      await expectServed(router.listen);
    });

    it("serves 200 sequential requests on one connection 50/50 over few upstream connections", async () => {
      const versionAnswer = (version: string): RawAnswer => (_request, socket) => void socket.write(ok(version));
      const v1 = await upstream("v1-a", versionAnswer("v1"));
      const v2 = await upstream("v2-a", versionAnswer("v2"));
      const router = await proxy({ v1: [v1.instance], v2: [v2.instance] }, { v1: 50, v2: 50 });
      const c = await client(router.listen);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        c.write(get(`/${i}`));
        const response = await c.readResponse();
        const key = response.status === 200 ? response.body.toString() : `status ${response.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(counts).toEqual({ v1: 100, v2: 100 });
      expect([v1.requests.length, v2.requests.length]).toEqual([100, 100]);
      expect(v1.connections + v2.connections).toBeLessThanOrEqual(4);
      await waitForMetrics(router, "v1", { requests: 100, errors: 0 });
      await waitForMetrics(router, "v2", { requests: 100, errors: 0 });
    });
  });
});
