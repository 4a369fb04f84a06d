/** http, tcp and command probes against servers on 127.0.0.1 started here. */
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandProbe, httpProbe, probeForCheck, tcpProbe } from "../../../../runtime/deploy/health/index.ts";
import type { Instance } from "../../../../runtime/deploy/types.ts";
import { allocatePort, releasePort } from "../../../../runtime/deploy/target/index.ts";

let server: Server;
let port: number;
let closedPort: number;

const instance = (p: number): Instance => ({ id: `test@${p}`, host: "127.0.0.1", port: p, version: "v1" });

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/healthz") return void res.writeHead(200).end("ok");
    if (req.url === "/down") return void res.writeHead(503).end("not ready\n");
    if (req.url === "/redirect") return void res.writeHead(302, { location: "/" }).end();
    if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("late"), 1_000);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  closedPort = await allocatePort(); // free now, and nothing will listen there
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  releasePort(closedPort);
});

describe("httpProbe", () => {
  it.each([
    ["/healthz", undefined, { ok: true }],
    ["/redirect", undefined, { ok: true }], // 3xx counts, as in Kubernetes; redirects are not followed
    ["/redirect", [200, 299], { ok: false, reason: "GET /redirect answered 302, expected 200-299" }],
    ["/down", undefined, { ok: false, reason: "GET /down answered 503 (not ready), expected 200-399" }],
    ["/down", [500, 599], { ok: true }],
    ["/missing", undefined, { ok: false, reason: "GET /missing answered 404, expected 200-399" }],
  ] as const)("GET %s expecting %j → %j", async (path, expectStatus, expected) => {
    expect(await httpProbe({ path, ...(expectStatus ? { expectStatus } : {}) })(instance(port), 1_000)).toEqual(expected);
  });

  it("fails on a closed port and on a timeout, saying which", async () => {
    expect(await httpProbe({ path: "/healthz" })(instance(closedPort), 1_000)).toEqual({
      ok: false,
      reason: "GET /healthz: connection refused (nothing listens on the port)",
    });
    const started = performance.now();
    expect(await httpProbe({ path: "/slow" })(instance(port), 200)).toEqual({ ok: false, reason: "GET /slow: no answer within 200 ms" });
    expect(performance.now() - started).toBeLessThan(800);
  });
});

describe("tcpProbe", () => {
  it("passes on an open port and fails on a closed one", async () => {
    expect(await tcpProbe()(instance(port), 1_000)).toEqual({ ok: true });
    expect(await tcpProbe()(instance(closedPort), 1_000)).toEqual({ ok: false, reason: `tcp 127.0.0.1:${closedPort}: connection refused` });
  });

  it("passes for a bare TCP listener (no HTTP)", async () => {
    const tcp = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    try {
      expect(await tcpProbe()(instance((tcp.address() as { port: number }).port), 1_000)).toEqual({ ok: true });
    } finally {
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});

describe("commandProbe", () => {
  const node = process.execPath;
  it("passes on exit 0 and sees the instance through INSTANCE_* variables", async () => {
    const script = "process.exit(process.env.INSTANCE_PORT === process.argv[1] && process.env.INSTANCE_VERSION === 'v1' ? 0 : 1)";
    expect(await commandProbe([node, "-e", script, String(port)])(instance(port), 5_000)).toEqual({ ok: true });
  });

  it("fails with the exit code and the last output line", async () => {
    const result = await commandProbe([node, "-e", "console.log('checking'); console.error('db unreachable'); process.exit(2)"])(instance(port), 5_000);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/exited with code 2: db unreachable$/) });
  });

  it("can check the port itself (a shell one-liner on the host)", async () => {
    const check = [node, "-e", "fetch(`http://${process.env.INSTANCE_HOST}:${process.env.INSTANCE_PORT}/healthz`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"];
    expect(await commandProbe(check)(instance(port), 5_000)).toEqual({ ok: true });
    expect((await commandProbe(check)(instance(closedPort), 5_000)).ok).toBe(false);
  });

  it("kills a command that overruns its timeout", async () => {
    const started = performance.now();
    const result = await commandProbe([node, "-e", "setTimeout(() => {}, 30000)"])(instance(port), 300);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/timed out after 300 ms$/) });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("fails clearly for a command that does not exist", async () => {
    const result = await commandProbe(["pipec-no-such-command"])(instance(port), 1_000);
    expect(result).toEqual({ ok: false, reason: '"pipec-no-such-command" could not run: no such command (ENOENT)' });
  });
});

describe("probeForCheck", () => {
  const none = { http: null, tcp: false, command: null };
  it("uses tcp when nothing is set, and requires every configured probe to pass", async () => {
    expect(await probeForCheck(none)(instance(closedPort), 500)).toMatchObject({ ok: false, reason: expect.stringContaining("tcp") });
    expect(await probeForCheck(none)(instance(port), 500)).toEqual({ ok: true });
    const both = { ...none, tcp: true, http: { path: "/down", expectStatus: [200, 399] as [number, number] } };
    expect(await probeForCheck(both)(instance(port), 500)).toMatchObject({ ok: false, reason: expect.stringContaining("503") });
    const passing = { ...both, http: { path: "/healthz", expectStatus: [200, 399] as [number, number] }, command: [process.execPath, "-e", ""] };
    expect(await probeForCheck(passing)(instance(port), 5_000)).toEqual({ ok: true });
  });
});
