import http from "node:http";
import { forwardRequestHeaders, forwardResponseHeaders } from "./headers.ts";
import type { Upstream, VersionPool } from "./version-pool.ts";

/**
 * Forwards one request to an instance of `pool` and streams the response back; nothing is
 * buffered. Every request is counted in the pool's metrics when the client's response closes:
 * its latency (request received → last response byte written), and as an error when the status
 * is 5xx or the upstream failed (refused, reset, timed out, died mid-response).
 *
 * Retry: a request without a body that never reached an instance (connection refused, whatever
 * its method), or an idempotent one without a body that met a reused keep-alive connection the
 * instance had just closed (ECONNRESET before any response), is sent once more: to another
 * instance of the same version when there is one, else to the fallback version (the other version
 * with traffic, e.g. the stable one while a canary instance dies). Nothing is ever sent twice that
 * could not be; everything else gets the 502. A request moved to another version counts as an
 * error for the version that failed it and as whatever it gets for the version that answers.
 */
export function forward(
  first: VersionPool,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  start: number,
  setCookie: string | undefined,
): void {
  const { headers, bodyless } = forwardRequestHeaders(req.rawHeaders, req.socket.remoteAddress ?? "127.0.0.1");
  const retriable = bodyless && isIdempotent(req.method);
  let pool = first;
  let upstreamFailed = false;
  let current: http.ClientRequest | undefined;

  res.once("close", () => {
    if (current !== undefined && !res.writableFinished) current.destroy();
    pool.metrics.record(performance.now() - start, upstreamFailed || res.statusCode >= 500);
  });

  const dispatch = (upstream: Upstream, attempt: number): void => {
    upstream.inFlight++;
    const request = http.request({
      agent: upstream.agent,
      host: "127.0.0.1",
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
    });
    current = request;
    const owner = pool;
    request.once("close", () => owner.release(upstream));
    // The agent's socket timeout (upstreamTimeoutMs) fires while waiting on the upstream.
    request.once("timeout", () => request.destroy(new UpstreamTimeout()));
    request.once("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent || res.destroyed) {
        upstreamFailed = true;
        res.destroy();
        return;
      }
      if (attempt === 0 && ((bodyless && error.code === "ECONNREFUSED") || (retriable && error.code === "ECONNRESET" && request.reusedSocket))) {
        const retry = pool.retryTarget(upstream);
        if (retry !== undefined) {
          if (retry.pool !== pool) {
            pool.metrics.record(performance.now() - start, true);
            pool = retry.pool;
          }
          return dispatch(retry.upstream, 1);
        }
      }
      upstreamFailed = true;
      respondError(res, error instanceof UpstreamTimeout ? 504 : 502, pool.version);
    });
    request.once("response", (upstreamRes) => {
      upstreamRes.once("error", () => {
        upstreamFailed = true;
        res.destroy();
      });
      if (res.destroyed) return;
      res.writeHead(
        upstreamRes.statusCode ?? 502,
        upstreamRes.statusMessage,
        forwardResponseHeaders(upstreamRes.rawHeaders, setCookie === undefined ? undefined : "set-cookie", setCookie),
      );
      relay(upstreamRes, res);
    });
    if (bodyless) request.end();
    else req.pipe(request);
  };

  const upstream = pool.next();
  if (upstream === undefined) {
    upstreamFailed = true;
    respondError(res, 503, pool.version);
    return;
  }
  dispatch(upstream, 0);
}

/**
 * Copies the upstream body to the client with backpressure. Cheaper than `pipe` (which adds six
 * listeners per request on both streams); errors are handled by the caller.
 */
function relay(from: http.IncomingMessage, to: http.ServerResponse): void {
  from.on("data", (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.once("end", () => to.end());
}

class UpstreamTimeout extends Error {
  constructor() {
    super("upstream timed out");
  }
}

/** Whether a request with `method` may be sent twice (RFC 9110 9.2.2). */
export function isIdempotent(method: string | undefined): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS" || method === "TRACE" || method === "PUT" || method === "DELETE";
}

const REASONS: Record<number, string> = { 400: "Bad Request", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };
const EXPLANATIONS: Record<number, string> = { 400: "bad request (two Host headers)", 502: "upstream failed", 503: "no instance", 504: "upstream timed out" };

/** The router's own error answer for `status`: the reason phrase and a short plain-text body. */
export function errorBody(status: number, version: string | undefined): { readonly reason: string; readonly text: string } {
  const text = `pipec router: ${EXPLANATIONS[status] ?? "error"}${version === undefined ? "" : ` (version "${version}")`}\n`;
  return { reason: REASONS[status] ?? "Error", text };
}

/** A short plain-text error answer from the router itself. */
export function respondError(res: http.ServerResponse, status: number, version: string | undefined): void {
  if (res.headersSent || res.destroyed) return;
  const { text } = errorBody(status, version);
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
