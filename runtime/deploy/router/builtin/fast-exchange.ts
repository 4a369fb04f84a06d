import type { Socket } from "node:net";
import { errorBody, isIdempotent } from "./forward.ts";
import { forwardRequestHeaders, forwardResponseHeaders } from "./headers.ts";
import { ChunkedScanner } from "./http1/chunked-scanner.ts";
import { serializeRequestHead, type RequestHead } from "./http1/request-head.ts";
import { parseResponseHead, serializeResponseHead, type ResponseHead } from "./http1/response-head.ts";
import type { UpstreamConnection, UpstreamListener } from "./upstream-connections.ts";
import type { Upstream, VersionPool } from "./version-pool.ts";

/** The client side of an exchange: the fast path's connection to one client. */
export interface ExchangeClient {
  /** The client's socket, for writing the response and pausing the request body. */
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** The exchange is over and the connection may read the next request. */
  finished(): void;
}

/** Longest response head read from an instance; a longer one is a 502. */
const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
const HEAD_END = "\r\n\r\n";
const LAST_CHUNK = "0\r\n\r\n";

/**
 * One request on the fast path, from its head to the last byte of its response: picks an
 * instance of `pool`, writes the request on a keep-alive connection to it, streams the body both
 * ways with backpressure, finds the end of the response from its framing (Content-Length,
 * chunked, or the instance closing), and counts it in the version's metrics like `forward` does
 * for node:http: latency from the request's head to the last response byte, an error when the
 * status is 5xx or the instance failed.
 *
 * Retry as in `forward`: a bodiless request that met a refused connection (it never reached the
 * instance), or a bodiless idempotent one that met a reused connection the instance had just
 * closed, goes once more to another instance of the version, else to the fallback version.
 */
export class FastExchange implements UpstreamListener {
  private readonly started = performance.now();
  private readonly bodyless: boolean;
  private readonly retriable: boolean;
  private upstreamHead = "";
  private upstream: Upstream | undefined;
  private connection: UpstreamConnection | null = null;
  /** Request body bytes still to come from the client. */
  private bodyRemaining: number;
  /** Body bytes read before the instance's connection was there. */
  private pendingBody: Buffer[] = [];
  private attempt = 0;
  private partialHead: Buffer | null = null;
  private response: ResponseHead | undefined;
  private responseLeft = 0;
  private scanner: ChunkedScanner | undefined;
  private closeClient: boolean;
  private upstreamFailed = false;
  private done = false;

  constructor(
    private readonly client: ExchangeClient,
    private readonly request: RequestHead,
    private pool: VersionPool | undefined,
    private readonly setCookie: string | undefined,
    firstBody: Buffer | null,
  ) {
    this.bodyRemaining = request.contentLength - (firstBody?.length ?? 0);
    if (firstBody !== null) this.pendingBody.push(firstBody);
    this.bodyless = request.contentLength === 0;
    this.retriable = this.bodyless && isIdempotent(request.method);
    this.closeClient = request.close;
  }

  start(): void {
    const pool = this.pool;
    if (pool === undefined) return this.respondLocal(503);
    const { headers } = forwardRequestHeaders(this.request.rawHeaders, this.client.remoteAddress);
    this.upstreamHead = serializeRequestHead(this.request.method, this.request.target, headers);
    const upstream = pool.next();
    if (upstream === undefined) {
      this.upstreamFailed = true;
      return this.respondLocal(503);
    }
    this.dispatch(upstream);
  }

  /**
   * Request body bytes from the client: forwards this exchange's share and returns the bytes
   * beyond it (the next pipelined request), or null.
   */
  takeBody(chunk: Buffer): Buffer | null {
    if (this.bodyRemaining === 0) return chunk;
    const part = chunk.length > this.bodyRemaining ? chunk.subarray(0, this.bodyRemaining) : chunk;
    const rest = part === chunk ? null : chunk.subarray(part.length);
    this.bodyRemaining -= part.length;
    if (this.done) return rest;
    if (this.connection === null) {
      this.pendingBody.push(part);
      this.client.socket.pause();
    } else if (!this.connection.socket.write(part)) {
      this.client.socket.pause();
    }
    return rest;
  }

  get expectsBody(): boolean {
    return this.bodyRemaining > 0;
  }

  /** The client's socket drained: read on from the instance. */
  clientDrained(): void {
    if (!this.done) this.connection?.socket.resume();
  }

  /** The client went away before the response was over. */
  clientClosed(): void {
    if (this.done) return;
    this.dropConnection();
    this.end(false);
  }

  // UpstreamListener

  onDrain(): void {
    if (this.bodyRemaining > 0) this.client.socket.resume();
  }

  onData(chunk: Buffer): void {
    if (this.done) return;
    if (this.response === undefined) return this.readHead(chunk);
    this.relayBody(chunk);
  }

  onClosed(error: NodeJS.ErrnoException | undefined): void {
    if (this.done) return;
    const connection = this.connection;
    this.connection = null;
    if (this.response === undefined) {
      const code = error?.code;
      const stale = connection?.reused === true && this.partialHead === null && (code === undefined || code === "ECONNRESET" || code === "EPIPE");
      if (this.attempt === 0 && ((this.bodyless && code === "ECONNREFUSED") || (this.retriable && stale))) {
        const failed = this.upstream as Upstream;
        const pool = this.pool as VersionPool;
        pool.release(failed);
        const retry = pool.retryTarget(failed);
        if (retry !== undefined) {
          this.attempt = 1;
          this.partialHead = null;
          // The failed version's metrics see the failure; the answer counts for the version that gives it.
          if (retry.pool !== pool) {
            pool.metrics.record(performance.now() - this.started, true);
            this.pool = retry.pool;
          }
          return this.dispatch(retry.upstream);
        }
        this.upstream = undefined;
      }
      this.upstreamFailed = true;
      return this.respondLocal(502);
    }
    if (this.response.framing.kind === "close") {
      // The end of a close-delimited body: the last chunk of its re-encoding for the client.
      this.client.socket.write(LAST_CHUNK, "latin1");
      return this.end(false);
    }
    // The instance died in the middle of the response: the client must not take it as complete.
    this.upstreamFailed = true;
    this.client.socket.destroy();
    this.end(false);
  }

  onTimeout(): void {
    if (this.done) return;
    this.dropConnection();
    this.upstreamFailed = true;
    if (this.response === undefined) return this.respondLocal(504);
    this.client.socket.destroy();
    this.end(false);
  }

  private dispatch(upstream: Upstream): void {
    this.upstream = upstream;
    upstream.inFlight++;
    upstream.connections.acquire((connection) => this.attach(connection));
  }

  private attach(connection: UpstreamConnection): void {
    const upstream = this.upstream as Upstream;
    if (this.done) return upstream.connections.release(connection, true);
    this.connection = connection;
    connection.listener = this;
    const socket = connection.socket;
    const body = this.pendingBody;
    if (body.length === 0) {
      socket.write(this.upstreamHead, "latin1");
      return;
    }
    this.pendingBody = [];
    socket.cork();
    socket.write(this.upstreamHead, "latin1");
    for (const part of body) socket.write(part);
    socket.uncork();
    if (this.bodyRemaining > 0) this.client.socket.resume();
  }

  private readHead(chunk: Buffer): void {
    const buffered = this.partialHead === null ? chunk : Buffer.concat([this.partialHead, chunk]);
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) {
      if (buffered.length > MAX_RESPONSE_HEAD_BYTES) return this.failBeforeResponse();
      this.partialHead = buffered;
      return;
    }
    this.partialHead = null;
    const head = parseResponseHead(buffered.toString("latin1", 0, end), this.request.method);
    if (head === null || head.status === 101) return this.failBeforeResponse();
    const rest = buffered.subarray(end + HEAD_END.length);
    if (head.status < 200) {
      // An interim response (103 Early Hints, ...): passed on; the final one follows.
      this.client.socket.write(serializeResponseHead(head.status, head.reason, forwardResponseHeaders(head.rawHeaders)), "latin1");
      if (rest.length > 0) this.readHead(rest);
      else this.partialHead = null;
      return;
    }
    this.response = head;
    const headers = forwardResponseHeaders(head.rawHeaders, this.setCookie === undefined ? undefined : "set-cookie", this.setCookie);
    if (head.framing.kind === "close") headers.push("Transfer-Encoding", head.transferEncoding === undefined ? "chunked" : `${head.transferEncoding}, chunked`);
    else if (head.transferEncoding !== undefined) headers.push("Transfer-Encoding", head.transferEncoding);
    if (this.closeClient || this.bodyRemaining > 0) {
      this.closeClient = true;
      headers.push("Connection", "close");
    }
    if (head.framing.kind === "length") this.responseLeft = head.framing.length;
    else if (head.framing.kind === "chunked") this.scanner = new ChunkedScanner();
    const text = serializeResponseHead(head.status, head.reason, headers);
    const socket = this.client.socket;
    if (rest.length === 0) {
      socket.write(text, "latin1");
      if (head.framing.kind === "none" || (head.framing.kind === "length" && head.framing.length === 0)) this.end(true);
      return;
    }
    socket.cork();
    socket.write(text, "latin1");
    this.relayBody(rest);
    socket.uncork();
  }

  private relayBody(chunk: Buffer): void {
    const framing = (this.response as ResponseHead).framing;
    switch (framing.kind) {
      case "none":
        // Bytes after a bodiless response: the instance broke the protocol; drop the connection.
        return this.end(chunk.length === 0);
      case "length": {
        const part = chunk.length > this.responseLeft ? chunk.subarray(0, this.responseLeft) : chunk;
        this.responseLeft -= part.length;
        this.write(part);
        if (this.responseLeft === 0) this.end(part === chunk);
        return;
      }
      case "chunked": {
        const end = (this.scanner as ChunkedScanner).scan(chunk);
        if (end === -2) {
          this.upstreamFailed = true;
          this.dropConnection();
          this.client.socket.destroy();
          return this.end(false);
        }
        if (end === -1) return this.write(chunk);
        this.write(end === chunk.length ? chunk : chunk.subarray(0, end));
        return this.end(end === chunk.length);
      }
      case "close":
        // Sent on chunked, so that the client's connection outlives the instance's.
        if (chunk.length === 0) return;
        this.client.socket.cork();
        this.client.socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
        this.write(chunk);
        this.client.socket.write("\r\n", "latin1");
        this.client.socket.uncork();
        return;
    }
  }

  /** Lets go of the instance's connection without hearing from it again, and closes it. */
  private dropConnection(): void {
    const connection = this.connection;
    this.connection = null;
    if (connection === null) return;
    connection.listener = null;
    connection.close(undefined);
  }

  private write(part: Buffer): void {
    if (!this.client.socket.write(part)) this.connection?.socket.pause();
  }

  private failBeforeResponse(): void {
    this.upstreamFailed = true;
    this.dropConnection();
    this.respondLocal(502);
  }

  /** Answers from the router itself (502, 503, 504). */
  private respondLocal(status: number): void {
    const body = errorBody(status, this.pool?.version);
    if (this.bodyRemaining > 0) this.closeClient = true;
    this.client.socket.write(
      `HTTP/1.1 ${status} ${body.reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body.text)}\r\n` +
        `${this.closeClient ? "connection: close\r\n" : ""}\r\n${body.text}`,
      "utf8",
    );
    this.end(false);
  }

  /** The exchange is over: the connection back to its pool (`reusable`: its framing ended cleanly), metrics, the client on. */
  private end(reusable: boolean): void {
    if (this.done) return;
    this.done = true;
    const connection = this.connection;
    this.connection = null;
    const upstream = this.upstream;
    if (upstream !== undefined) {
      if (connection !== null) {
        connection.socket.resume();
        upstream.connections.release(connection, reusable && this.response?.keepAlive === true && this.bodyRemaining === 0);
      }
      this.pool?.release(upstream);
    }
    if (this.pool !== undefined) this.pool.metrics.record(performance.now() - this.started, this.upstreamFailed || (this.response?.status ?? 200) >= 500);
    if (this.client.socket.destroyed) return;
    if (this.closeClient || this.bodyRemaining > 0) {
      this.client.socket.end();
      return;
    }
    this.client.finished();
  }
}
