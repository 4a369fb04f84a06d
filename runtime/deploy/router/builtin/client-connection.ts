import type { Socket } from "node:net";
import { FastExchange, type ExchangeClient } from "./fast-exchange.ts";
import { MAX_FAST_HEAD_BYTES, parseRequestHead, type RequestHead } from "./http1/request-head.ts";
import type { VersionPool } from "./version-pool.ts";

/** What a client connection needs from the router. */
export interface FastPathHost {
  /** See HEAD_TIMEOUT_MS. */
  readonly headTimeoutMs: number;
  /** The version for a request, and the sticky cookie to set on its response (if any). */
  route(head: RequestHead): { readonly pool: VersionPool | undefined; readonly setCookie: string | undefined };
  /** Gives the connection to node:http from its next request on (its unread bytes are unshifted). */
  handoff(socket: Socket): void;
}

/** A keep-alive client silent this long between requests is closed (nginx: 75 s, node:http: 5 s). */
const CLIENT_IDLE_TIMEOUT_MS = 60_000;
/**
 * A request head must arrive whole within this time of its first byte (HAProxy's usual `timeout
 * http-request`; nginx's client_header_timeout is 60 s): a client trickling a byte every few seconds
 * (slowloris) is closed instead of holding its connection forever. node:http's headersTimeout is the same.
 */
export const HEAD_TIMEOUT_MS = 10_000;
const HEAD_END = "\r\n\r\n";

/**
 * One client connection on the router's fast path: reads request heads, runs one FastExchange at
 * a time (pipelined requests wait their turn in order), and hands the connection to node:http at
 * the first request the fast path does not take (see parseRequestHead). Raw sockets instead of
 * node:http on the hot path: the same system calls, less than half the user-space CPU per request.
 */
export class ClientConnection implements ExchangeClient {
  readonly remoteAddress: string;
  private buffered: Buffer | null = null;
  private exchange: FastExchange | null = null;
  private clientEnded = false;
  private reading = false;
  /** Running while a partial request head is buffered. */
  private headTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: Socket,
    private readonly host: FastPathHost,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "127.0.0.1";
    socket.setNoDelay(true);
    socket.setTimeout(CLIENT_IDLE_TIMEOUT_MS);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("timeout", this.onTimeout);
    socket.on("drain", this.onDrain);
    socket.on("error", ignore);
    socket.on("close", this.onClose);
  }

  finished(): void {
    this.exchange = null;
    if (this.socket.isPaused()) this.socket.resume();
    this.readRequests();
  }

  private readonly onData = (chunk: Buffer): void => {
    let bytes: Buffer | null = chunk;
    if (this.exchange !== null) {
      bytes = this.exchange.takeBody(chunk);
      if (bytes === null) return;
    }
    this.buffered = this.buffered === null ? bytes : Buffer.concat([this.buffered, bytes]);
    if (this.exchange === null) this.readRequests();
    // Pipelined requests wait for the one in flight; past a head's worth of them, stop reading.
    else if (this.buffered.length > MAX_FAST_HEAD_BYTES && !this.exchange.expectsBody) this.socket.pause();
  };

  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (this.exchange === null) this.readRequests();
  };

  private readonly onTimeout = (): void => {
    // Idle between requests, or answered with `Connection: close` and the client never closed.
    if (this.exchange === null || this.socket.writableEnded) this.socket.destroy();
  };

  private readonly onDrain = (): void => this.exchange?.clientDrained();

  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.socket.writable) this.socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    this.socket.destroySoon();
  };

  private clearHeadTimer(): void {
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  private readonly onClose = (): void => {
    this.clearHeadTimer();
    const exchange = this.exchange;
    this.exchange = null;
    this.buffered = null;
    exchange?.clientClosed();
  };

  /** Starts the buffered requests one by one; a loop, since an exchange can end at once (a 503). */
  private readRequests(): void {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.exchange === null && !this.socket.destroyed && this.startNext());
    } finally {
      this.reading = false;
    }
  }

  /** Starts the next buffered request; false when there is none yet (or the connection moved on). */
  private startNext(): boolean {
    const buffered = this.buffered;
    if (buffered === null) {
      if (this.clientEnded) this.socket.end();
      return false;
    }
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) {
      // No complete head: wait for more, unless it cannot become one the fast path takes.
      if (buffered.length > MAX_FAST_HEAD_BYTES || buffered.includes("\n\n")) this.handoff();
      else if (this.clientEnded) this.socket.destroy();
      else this.headTimer ??= setTimeout(this.onHeadTimeout, this.host.headTimeoutMs).unref();
      return false;
    }
    this.clearHeadTimer();
    const head = end <= MAX_FAST_HEAD_BYTES ? parseRequestHead(buffered.toString("latin1", 0, end)) : null;
    if (head === null) {
      this.handoff();
      return false;
    }
    let rest: Buffer | null = end + HEAD_END.length < buffered.length ? buffered.subarray(end + HEAD_END.length) : null;
    let body: Buffer | null = null;
    if (head.contentLength > 0 && rest !== null) {
      body = rest.length > head.contentLength ? rest.subarray(0, head.contentLength) : rest;
      rest = body === rest ? null : rest.subarray(head.contentLength);
    }
    this.buffered = rest;
    const { pool, setCookie } = this.host.route(head);
    const exchange = new FastExchange(this, head, pool, setCookie, body);
    this.exchange = exchange;
    exchange.start();
    return true;
  }

  private handoff(): void {
    this.clearHeadTimer();
    const socket = this.socket;
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("timeout", this.onTimeout);
    socket.off("drain", this.onDrain);
    socket.off("error", ignore);
    socket.off("close", this.onClose);
    socket.setTimeout(0);
    if (this.buffered !== null) socket.unshift(this.buffered);
    this.buffered = null;
    this.host.handoff(socket);
  }
}

function ignore(): void {}
