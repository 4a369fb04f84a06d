import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { HeaderRoute, InstanceAddress, VersionMetrics } from "../../types.ts";
import { RouterClosedError, RouterError, ROUTER_ERROR_CODES } from "../errors.ts";
import { formatListen, parseListen } from "../listen-address.ts";
import type { Stickiness, StickyRouter } from "../types.ts";
import { validateWeights } from "../weights.ts";
import { ClientConnection, HEAD_TIMEOUT_MS } from "./client-connection.ts";
import { forward, respondError } from "./forward.ts";
import { compileRoute, matchRoute, type CompiledRoute } from "./header-routes.ts";
import type { RequestHead } from "./http1/request-head.ts";
import { MetricsWindow, type MetricsWindowOptions } from "./metrics-window.ts";
import { readStickyCookie, stickyCookieValue, validateStickiness } from "../sticky-cookie.ts";
import { VersionPool, type UpstreamAgentOptions } from "./version-pool.ts";
import { WeightedPicker } from "./weighted-picker.ts";

const EMPTY_METRICS = new MetricsWindow({ bucketMs: 1000, maxWindowMs: 1000 });
/** A whole request, body included, on the node:http path (node's default; long uploads stay possible). */
const REQUEST_TIMEOUT_MS = 300_000;
/** Client connections at once; past it new ones are refused rather than file descriptors running out. */
const MAX_CLIENT_CONNECTIONS = 10_000;

const countHost = (rawHeaders: readonly string[]): number => {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === "host") count++;
  return count;
};

export interface BuiltinRouterOptions extends UpstreamAgentOptions {
  /** `127.0.0.1:PORT`; port 0 picks a free one (read it back from `router.listen`). */
  readonly listen: string;
  /** Metrics buckets; see MetricsWindow. @default 1 s buckets, 10 min longest window */
  readonly metrics?: MetricsWindowOptions;
  /** A request head must arrive whole within this time of its first byte, else 408 and close (slowloris). @default 10 s */
  readonly headTimeoutMs?: number;
}

/** pipec's own reverse proxy: a Router plus cookie stickiness. */
export interface BuiltinRouter extends StickyRouter {
  readonly kind: "builtin";
}

/**
 * Starts pipec's reverse proxy on `options.listen`. Routing order for each request: the first
 * matching header route, then the sticky cookie (when on, and its version has a weight above 0),
 * then the weights (smooth weighted round robin, see WeightedPicker); inside a version, instances
 * take turns (round robin). Requests for a version without instances get a 503; when no version
 * has a weight, a 503 that counts for no version.
 */
export async function createBuiltinRouter(options: BuiltinRouterOptions): Promise<BuiltinRouter> {
  const address = parseListen(options.listen);
  const headTimeoutMs = options.headTimeoutMs ?? HEAD_TIMEOUT_MS;
  const pools = new Map<string, VersionPool>();
  const picker = new WeightedPicker<VersionPool>();
  let routes: CompiledRoute<VersionPool>[] = [];
  let stickiness: Stickiness | null = null;
  let closed = false;

  const poolOf = (version: string): VersionPool => {
    let pool = pools.get(version);
    if (pool === undefined) {
      pool = new VersionPool(version, options, options.metrics ?? {});
      if (stickiness !== null) pool.stickyCookie = stickyCookieValue(stickiness, version);
      const self = pool;
      pool.fallback = () => fallbackPool(pools.values(), self);
      pools.set(version, pool);
    }
    return pool;
  };

  /** The version for a request: the first matching header route, the sticky cookie, the weights. */
  const route = (headers: Readonly<Record<string, string | string[] | undefined>>): { pool: VersionPool | undefined; setCookie: string | undefined } => {
    let pool = routes.length === 0 ? undefined : matchRoute(routes, headers);
    let setCookie: string | undefined;
    if (pool === undefined && stickiness !== null) {
      const cookie = headers.cookie;
      const pinned = readStickyCookie(typeof cookie === "string" ? cookie : cookie?.join("; "), stickiness.cookie);
      const candidate = pinned === undefined ? undefined : pools.get(pinned);
      if (candidate !== undefined && candidate.weight > 0) pool = candidate;
      else {
        pool = picker.next();
        setCookie = pool?.stickyCookie;
      }
    }
    return { pool: pool ?? picker.next(), setCookie };
  };

  // node:http serves the connections the fast path hands over (see ClientConnection).
  const httpServer = http.createServer({ keepAlive: true, noDelay: true, headersTimeout: headTimeoutMs, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 }, (req, res) => {
    const start = performance.now();
    // A request with two Host headers names two origins; a proxy must refuse it (RFC 9112 3.2).
    if (countHost(req.rawHeaders) > 1) {
      res.setHeader("connection", "close");
      return respondError(res, 400, undefined);
    }
    const { pool, setCookie } = route(req.headers);
    if (pool === undefined) return respondError(res, 503, undefined);
    forward(pool, req, res, start, setCookie);
  });
  // node:http enforces headersTimeout only on servers it has seen listen; this one never listens (it
  // gets its connections handed over), so it is told it does, which starts its connection checks
  // (an unref'd interval, so it never holds the process).
  httpServer.emit("listening");
  httpServer.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  const sockets = new Set<net.Socket>();
  const fastPath = {
    headTimeoutMs,
    route: (head: RequestHead) => route(routes.length === 0 && stickiness === null ? NO_HEADERS : headerRecord(head.rawHeaders)),
    handoff: (socket: net.Socket) => httpServer.emit("connection", socket),
  };
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    // Past MAX_CLIENT_CONNECTIONS node refuses new ones (server.maxConnections) instead of exhausting file descriptors.
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    new ClientConnection(socket, fastPath);
  });
  server.maxConnections = MAX_CLIENT_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new RouterError(ROUTER_ERROR_CODES.invalidListen, `Builtin router could not listen on ${options.listen}: ${error.message}`, { cause: error }));
    server.once("error", onError);
    server.listen(address.port, address.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const listen = formatListen((server.address() as AddressInfo).port);

  const assertOpen = (): void => {
    if (closed) throw new RouterClosedError(listen);
  };

  return {
    kind: "builtin",
    listen,
    async setInstances(version: string, instances: readonly InstanceAddress[]): Promise<void> {
      assertOpen();
      const pool = poolOf(version);
      pool.listed = true;
      pool.setInstances(instances);
    },
    async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
      assertOpen();
      const entries = validateWeights(weights);
      for (const pool of pools.values()) pool.weight = 0;
      for (const [version, weight] of entries) {
        const pool = poolOf(version);
        pool.listed = true;
        pool.weight = weight;
      }
      picker.set([...pools.values()].map((pool) => [pool, pool.weight] as const));
    },
    async readWeights(): Promise<Record<string, number>> {
      assertOpen();
      const weights: Record<string, number> = {};
      for (const pool of pools.values()) if (pool.listed) weights[pool.version] = pool.weight;
      return weights;
    },
    async setHeaderRoute(route: HeaderRoute): Promise<void> {
      assertOpen();
      const compiled = compileRoute(route, poolOf(route.version));
      const index = routes.findIndex((existing) => existing.name === route.name);
      routes = index < 0 ? [...routes, compiled] : routes.map((existing, i) => (i === index ? compiled : existing));
    },
    async removeHeaderRoute(name: string): Promise<void> {
      assertOpen();
      routes = routes.filter((route) => route.name !== name);
    },
    async setStickiness(next: Stickiness | null): Promise<void> {
      assertOpen();
      stickiness = next === null ? null : validateStickiness(next);
      for (const pool of pools.values()) pool.stickyCookie = stickiness === null ? undefined : stickyCookieValue(stickiness, pool.version);
    },
    async metrics(version: string, windowMs: number): Promise<VersionMetrics | null> {
      assertOpen();
      // An unknown version has served nothing; asking must not create (and keep) its pool.
      return (pools.get(version)?.metrics ?? EMPTY_METRICS).snapshot(windowMs);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      for (const pool of pools.values()) pool.close();
      await stopped;
    },
  };
}

const NO_HEADERS: Readonly<Record<string, string>> = {};

/** The version with the most weight besides `failed`'s, with instances: where a request that never reached `failed` may go. */
function fallbackPool(pools: Iterable<VersionPool>, failed: VersionPool): VersionPool | undefined {
  let best: VersionPool | undefined;
  for (const pool of pools) {
    if (pool === failed || pool.weight <= 0 || pool.size === 0) continue;
    if (best === undefined || pool.weight > best.weight) best = pool;
  }
  return best;
}

/** Header values by lowercased name, repeated ones joined like node:http does ("a, b"; cookies "a; b"). */
function headerRecord(raw: readonly string[]): Record<string, string> {
  const record: Record<string, string> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = record[name];
    record[name] = seen === undefined ? value : `${seen}${name === "cookie" ? "; " : ", "}${value}`;
  }
  return record;
}
