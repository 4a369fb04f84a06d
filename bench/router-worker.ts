/**
 * The router benchmark's processes, each with an event loop of its own: `node dist/bench.mjs
 * --router-worker <op> ...` (a hidden sub-command of the bench bundle, see index.ts).
 *
 *   upstreams                       two node:http servers on 127.0.0.1 (v1, v2), each answering a
 *                                   short body; prints `{"ports":[V1,V2]}` and serves until SIGTERM or
 *                                   stdin closes. `GET /__counts` (not counted) answers `[v1, v2]`:
 *                                   the requests each has served.
 *   builtin V1PORT V2PORT           pipec's builtin router on 127.0.0.1:0, one instance per version,
 *                                   weights v1 90 / v2 10; prints `{"listen":"127.0.0.1:PORT"}` and
 *                                   routes until SIGTERM or stdin closes (then exits 0, so that
 *                                   `node --cpu-prof` writes its profile).
 *   relay V1PORT                    the node floor: a plain `net` relay on 127.0.0.1:0 to v1, one
 *                                   upstream socket per client connection, bytes copied with write()
 *                                   both ways, no parsing; prints `{"listen":"127.0.0.1:PORT"}` and
 *                                   relays until SIGTERM or stdin closes.
 *   load URL CONNECTIONS MS         the node load generator (used when wrk is not there): CONNECTIONS
 *                                   keep-alive connections, closed loop, for MS ms; per-request latency
 *                                   (write → complete response); prints a LoadResult JSON line.
 */
import { fstatSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { summarizeLatencies, type LoadResult } from "./router-report.ts";

export const ROUTER_WORKER_FLAG = "--router-worker";

export type RouterWorkerCommand =
  | { readonly op: "upstreams" }
  | { readonly op: "builtin"; readonly ports: readonly [number, number] }
  | { readonly op: "relay"; readonly port: number }
  | { readonly op: "load"; readonly url: string; readonly connections: number; readonly durationMs: number };

export class RouterWorkerUsageError extends Error {}

const USAGE = `usage: ${ROUTER_WORKER_FLAG} upstreams | builtin V1PORT V2PORT | relay V1PORT | load http://127.0.0.1:PORT/PATH CONNECTIONS MS`;

const positive = (text: string | undefined, max: number): number | null => {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value > 0 && value <= max ? value : null;
};

export function parseRouterWorkerArgs(argv: readonly string[]): RouterWorkerCommand {
  const [op, ...rest] = argv;
  if (op === "upstreams" && rest.length === 0) return { op };
  if (op === "builtin" && rest.length === 2) {
    const [v1, v2] = [positive(rest[0], 65_535), positive(rest[1], 65_535)];
    if (v1 !== null && v2 !== null) return { op, ports: [v1, v2] };
  }
  if (op === "relay" && rest.length === 1) {
    const port = positive(rest[0], 65_535);
    if (port !== null) return { op, port };
  }
  if (op === "load" && rest.length === 3) {
    const [url, connections, durationMs] = [rest[0]!, positive(rest[1], 10_000), positive(rest[2], 3_600_000)];
    if (/^http:\/\/127\.0\.0\.1:\d+\//.test(url) && connections !== null && durationMs !== null) return { op, url, connections, durationMs };
  }
  throw new RouterWorkerUsageError(USAGE);
}

/** The argv after the script: `[ROUTER_WORKER_FLAG, op, ...]`. */
export function routerWorkerArgs(command: RouterWorkerCommand): string[] {
  switch (command.op) {
    case "upstreams":
      return [ROUTER_WORKER_FLAG, "upstreams"];
    case "builtin":
      return [ROUTER_WORKER_FLAG, "builtin", String(command.ports[0]), String(command.ports[1])];
    case "relay":
      return [ROUTER_WORKER_FLAG, "relay", String(command.port)];
    case "load":
      return [ROUTER_WORKER_FLAG, "load", command.url, String(command.connections), String(command.durationMs)];
  }
}

/** The weights the builtin and HAProxy routers get. */
export const ROUTER_WEIGHTS = { v1: 90, v2: 10 } as const;

/** Runs one worker. `upstreams`, `builtin` and `relay` resolve once they stopped; `load` once it printed. */
export async function runRouterWorker(argv: readonly string[]): Promise<void> {
  const command = parseRouterWorkerArgs(argv);
  if (command.op === "load") {
    const result = await runLoad(command.url, command.connections, command.durationMs);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const stop = command.op === "upstreams" ? await startUpstreams() : command.op === "builtin" ? await startBuiltin(command.ports) : await startNodeRelay(command.port);
  await untilStopped();
  await stop();
  // Exit at once (keep-alive sockets would hold the loop), with the profile written under --cpu-prof.
  process.exit(0);
}

/** Resolves on SIGTERM or SIGINT, or when the parent closes our stdin (it died, or is done with us). */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
    // Only a pipe: stdin from /dev/null or a terminal (a worker started by hand) ends at once or never.
    if (isPipe(0)) {
      process.stdin.on("data", () => {});
      process.stdin.once("end", () => resolve());
      process.stdin.once("error", () => resolve());
    }
  });
}

function isPipe(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO() || fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

const listening = (server: net.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

async function startUpstreams(): Promise<() => Promise<void>> {
  const counts: [number, number] = [0, 0];
  const bodies = [Buffer.from("hello from v1\n"), Buffer.from("hello from v2\n")];
  const servers = [0, 1].map((index) => {
    const server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => {
      if (req.url === "/__counts") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(counts));
        return;
      }
      counts[index]!++;
      const body = bodies[index]!;
      res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
      res.end(body);
    });
    // Idle keep-alive connections (the routers' pools between runs) stay open for the whole bench.
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 125_000;
    return server;
  });
  const ports = await Promise.all(servers.map(listening));
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
  return async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  };
}

async function startBuiltin(ports: readonly [number, number]): Promise<() => Promise<void>> {
  const { createBuiltinRouter } = await import("../runtime/deploy/router/index.ts");
  const router = await createBuiltinRouter({ listen: "127.0.0.1:0" });
  await router.setInstances("v1", [{ id: "v1-0", host: "127.0.0.1", port: ports[0] }]);
  await router.setInstances("v2", [{ id: "v2-0", host: "127.0.0.1", port: ports[1] }]);
  await router.setWeights(ROUTER_WEIGHTS);
  process.stdout.write(`${JSON.stringify({ listen: router.listen })}\n`);
  return () => router.close();
}

async function startNodeRelay(upstreamPort: number): Promise<() => Promise<void>> {
  const relay = await startRelay(upstreamPort);
  process.stdout.write(`${JSON.stringify({ listen: `127.0.0.1:${relay.port}` })}\n`);
  return relay.close;
}

/**
 * A byte relay to 127.0.0.1:`upstreamPort`: one upstream connection per client connection, every
 * chunk passed on with write() as it arrives, both ways, and nothing parsed. It is the least work
 * any proxy in node does per request (an HTTP router reads the same bytes, and parses them), so its
 * rps is the ceiling for the builtin router on this machine. Not pipe(): that adds stream
 * bookkeeping, and in a closed loop with small messages there is no backpressure to manage.
 */
export async function startRelay(upstreamPort: number): Promise<{ readonly port: number; close(): Promise<void> }> {
  const pairs = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort, noDelay: true });
    pairs.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    // Either side closing or failing ends both: a relay has no connection of its own to keep.
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.once("close", end);
      socket.once("end", end);
    }
  });
  const port = await listening(server);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of pairs) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/* ------------------------------------------------------------------ node load generator */

const HEADER_END = Buffer.from("\r\n\r\n");

/** The status and body length of a response head (`HTTP/1.1 200 OK\r\n...`), or an error message. */
export function parseResponseHead(head: string): { readonly status: number; readonly contentLength: number } | string {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status) return `not an HTTP response: ${head.slice(0, 40)}`;
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (!length) return /\r\ntransfer-encoding:/i.test(head) ? "the generator needs Content-Length (got Transfer-Encoding)" : "no Content-Length";
  return { status: Number(status[1]), contentLength: Number(length[1]) };
}

/**
 * `connections` keep-alive connections in a closed loop (each sends its next request when the
 * previous response is complete) until `durationMs` after the first request. Responses are parsed
 * just enough to find their end (Content-Length). A connection that fails counts an error and
 * reconnects.
 */
export async function runLoad(url: string, connections: number, durationMs: number): Promise<LoadResult> {
  const target = new URL(url);
  const port = Number(target.port);
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: pipec-bench\r\n\r\n`);
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const record = (ms: number): void => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  };

  const connection = (): Promise<void> =>
    new Promise((resolve) => {
      const loop = (): void => {
        const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
        let buffer: Buffer = Buffer.alloc(0);
        let sentAt = 0;
        let expected: number | null = null; // total bytes of the current response, once its head is in
        let done = false;
        let answered = false; // a connection that never got a response does not reconnect (refused, say)
        let inFlight = false;
        const send = (): void => {
          sentAt = performance.now();
          inFlight = true;
          socket.write(request);
        };
        const finish = (again: boolean): void => {
          if (done) return;
          done = true;
          socket.destroy();
          if (again && performance.now() < deadline) setImmediate(loop);
          else resolve();
        };
        socket.once("connect", send);
        socket.on("data", (chunk: Buffer) => {
          buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
          for (;;) {
            if (expected === null) {
              const end = buffer.indexOf(HEADER_END);
              if (end < 0) return;
              const head = parseResponseHead(buffer.subarray(0, end).toString("latin1"));
              if (typeof head === "string") {
                errors++;
                return finish(false);
              }
              if (head.status < 200 || head.status > 299) non2xx++;
              expected = end + HEADER_END.length + head.contentLength;
            }
            if (buffer.length < expected) return;
            const now = performance.now();
            answered = true;
            inFlight = false;
            record(now - sentAt);
            buffer = buffer.subarray(expected);
            expected = null;
            if (now >= deadline) return finish(false);
            send();
          }
        });
        // A refused connection, or one closed or reset with a request in flight, is one error.
        socket.on("error", () => {});
        socket.once("close", () => {
          if (!done && (inFlight || !answered)) errors++;
          finish(answered);
        });
      };
      loop();
    });

  await Promise.all(Array.from({ length: connections }, connection));
  return summarizeLatencies(latencies.subarray(0, count), performance.now() - started, { errors, non2xx });
}
