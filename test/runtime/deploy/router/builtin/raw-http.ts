/**
 * Byte-level HTTP/1.1 peers for the proxy conformance tests: a client that writes exact bytes on
 * one net.Socket and parses what comes back, and an upstream on net.createServer that records the
 * exact request bytes it receives and answers with bytes a test scripts. Both sides share one
 * small message reader (heads, Content-Length, chunked and close-delimited bodies), strict enough
 * to notice a proxy that sends a body where none belongs or mangles framing.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { InstanceAddress } from "../../../../../runtime/deploy/types.ts";

/** A header as it was on the wire: original name case, value trimmed. */
export type RawHeader = readonly [name: string, value: string];

export interface RawMessage {
  /** The head exactly as received, up to and including the empty line (latin1). */
  readonly head: string;
  /** Request: method, target, version. Response: version, status, reason. */
  readonly startLine: readonly [string, string, string];
  readonly headers: readonly RawHeader[];
  /** Decoded body (chunked framing removed). */
  readonly body: Buffer;
  /** Trailer fields of a chunked body. */
  readonly trailers: readonly RawHeader[];
}

export interface RawResponse extends RawMessage {
  readonly status: number;
}

/** The value of the first header called `name` (any case), or undefined. */
export function header(message: Pick<RawMessage, "headers">, name: string): string | undefined {
  const lower = name.toLowerCase();
  return message.headers.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** Buffers a socket's bytes and hands them out by delimiter, count, or up to EOF. */
class SocketReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.once("end", end);
    socket.once("close", end);
    // A reset counts as the end of the stream; what arrived before it stays readable.
    socket.on("error", end);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes received and not read yet. */
  get pending(): number {
    return this.length;
  }

  /** Up to and including `delimiter`; null on a clean EOF before any byte. */
  async readUntil(delimiter: string, what: string): Promise<Buffer | null> {
    for (;;) {
      const all = this.peek();
      const at = all.indexOf(delimiter, 0, "latin1");
      if (at >= 0) return this.take(at + delimiter.length);
      if (this.ended) {
        if (this.length === 0) return null;
        throw new Error(`connection ended inside ${what}: ${JSON.stringify(all.toString("latin1").slice(0, 200))}`);
      }
      await this.more(what);
    }
  }

  async readExactly(count: number, what: string): Promise<Buffer> {
    while (this.length < count) {
      if (this.ended) throw new Error(`connection ended inside ${what}: ${this.length} of ${count} bytes`);
      await this.more(what);
    }
    return this.take(count);
  }

  async readToEnd(what: string): Promise<Buffer> {
    while (!this.ended) await this.more(what);
    return this.take(this.length);
  }

  /** Resolves once the peer closed the connection. */
  async waitEnd(what: string): Promise<void> {
    while (!this.ended) await this.more(what);
  }

  private peek(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(count: number): Buffer {
    const all = this.peek();
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return taken;
  }

  /** Waits for more bytes or EOF; fails after timeoutMs without either (the timer restarts on progress). */
  private more(what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Error(`timed out after ${this.timeoutMs} ms waiting for ${what} (${this.length} bytes buffered)`));
      }, this.timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

interface ReadOptions {
  /** What a body with neither Content-Length nor chunking means: none (requests) or up to EOF (responses). */
  readonly withoutLength: "none" | "to-end";
  /** Whether the message has no body whatever its headers say (HEAD, 1xx, 204, 304). */
  readonly noBody?: (startLine: readonly [string, string, string]) => boolean;
  /** Called between the head and the body. */
  readonly onHead?: (head: Pick<RawMessage, "headers">) => void;
}

/** One message from `reader`; null on a clean EOF. */
async function readMessage(reader: SocketReader, options: ReadOptions): Promise<RawMessage | null> {
  const headBytes = await reader.readUntil("\r\n\r\n", "a message head");
  if (headBytes === null) return null;
  const head = headBytes.toString("latin1");
  const [first = "", ...lines] = head.slice(0, -4).split("\r\n");
  const firstSpace = first.indexOf(" ");
  const secondSpace = first.indexOf(" ", firstSpace + 1);
  const startLine = [first.slice(0, firstSpace), first.slice(firstSpace + 1, secondSpace < 0 ? undefined : secondSpace), secondSpace < 0 ? "" : first.slice(secondSpace + 1)] as const;
  const headers = lines.map(parseField);
  const message = { head, startLine, headers };
  const encoding = header(message, "transfer-encoding");
  const length = header(message, "content-length");
  options.onHead?.(message);
  if (options.noBody?.(startLine) === true) return { ...message, body: Buffer.alloc(0), trailers: [] };
  if (encoding !== undefined && /(^|,)\s*chunked\s*$/i.test(encoding)) return { ...message, ...(await readChunked(reader)) };
  if (length !== undefined) return { ...message, body: await reader.readExactly(Number(length), "a Content-Length body"), trailers: [] };
  const body = options.withoutLength === "to-end" ? await reader.readToEnd("a close-delimited body") : Buffer.alloc(0);
  return { ...message, body, trailers: [] };
}

function parseField(line: string): RawHeader {
  const colon = line.indexOf(":");
  if (colon < 0) throw new Error(`header line without a colon: ${JSON.stringify(line)}`);
  return [line.slice(0, colon), line.slice(colon + 1).trim()];
}

async function readChunked(reader: SocketReader): Promise<{ body: Buffer; trailers: RawHeader[] }> {
  const parts: Buffer[] = [];
  for (;;) {
    const sizeLine = (await reader.readUntil("\r\n", "a chunk size"))?.toString("latin1") ?? "";
    const size = Number.parseInt(sizeLine, 16);
    if (!Number.isInteger(size)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
    if (size === 0) break;
    parts.push(await reader.readExactly(size, "a chunk"));
    const crlf = await reader.readExactly(2, "a chunk's CRLF");
    if (crlf.toString("latin1") !== "\r\n") throw new Error(`chunk not followed by CRLF: ${JSON.stringify(crlf.toString("latin1"))}`);
  }
  const trailers: RawHeader[] = [];
  for (;;) {
    const line = ((await reader.readUntil("\r\n", "the trailer section")) ?? Buffer.alloc(0)).toString("latin1").slice(0, -2);
    if (line === "") return { body: Buffer.concat(parts), trailers };
    trailers.push(parseField(line));
  }
}

export interface RawClient {
  readonly socket: net.Socket;
  /** Whether the server closed (or reset) the connection. */
  readonly closed: boolean;
  /** Bytes received and not read as a response yet. */
  readonly pending: number;
  write(bytes: string | Buffer): void;
  /** The next response; `method` tells HEAD apart (no body). 1xx responses are returned on their own. */
  readResponse(method?: string): Promise<RawResponse>;
  /** Resolves once the server closed the connection; fails after the timeout. */
  waitClosed(): Promise<void>;
  destroy(): void;
}

/** Connects to `listen` (`127.0.0.1:PORT`). Each wait fails after `timeoutMs` without progress. */
export async function connectRaw(listen: string, timeoutMs = 2000): Promise<RawClient> {
  const [host, port] = listen.split(":") as [string, string];
  const socket = net.connect({ host, port: Number(port), noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const reader = new SocketReader(socket, timeoutMs);
  return {
    socket,
    get closed() {
      return reader.closed;
    },
    get pending() {
      return reader.pending;
    },
    write: (bytes) => void socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes),
    async readResponse(method = "GET") {
      const message = await readMessage(reader, {
        withoutLength: "to-end",
        noBody: ([, status]) => method === "HEAD" || /^(1\d\d|204|304)$/.test(status),
      });
      if (message === null) throw new Error("connection closed before a response");
      return { ...message, status: Number(message.startLine[1]) };
    },
    waitClosed: () => reader.waitEnd("the server to close the connection"),
    destroy: () => void socket.destroy(),
  };
}

/** A request as the upstream received it. */
export interface RawRequest extends RawMessage {
  readonly method: string;
  readonly target: string;
  /** Which accepted connection (0-based) carried it. */
  readonly connection: number;
}

/** Answers one request by writing bytes to `socket` (it may also end or destroy it). */
export type RawAnswer = (request: RawRequest, socket: net.Socket) => void | Promise<void>;

export interface RawUpstream {
  readonly instance: InstanceAddress;
  /** Every request received, in order. */
  readonly requests: RawRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** What the upstream could not parse or answer (a proxy sending bad framing shows up here). */
  readonly errors: Error[];
  close(): Promise<void>;
}

/**
 * An upstream on 127.0.0.1:0 that reads requests one at a time per connection and lets `answer`
 * write the response. It sends `100 Continue` itself for `Expect: 100-continue`, as servers do.
 */
export async function startRawUpstream(id: string, answer: RawAnswer, timeoutMs = 30_000): Promise<RawUpstream> {
  const requests: RawRequest[] = [];
  const errors: Error[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer({ noDelay: true }, (socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    void serve(socket, connection).catch((error: unknown) => {
      errors.push(error instanceof Error ? error : new Error(String(error)));
      socket.destroy();
    });
  });
  const serve = async (socket: net.Socket, connection: number): Promise<void> => {
    const reader = new SocketReader(socket, timeoutMs);
    for (;;) {
      const message = await readMessage(reader, {
        withoutLength: "none",
        onHead: (head) => {
          if (header(head, "expect")?.toLowerCase() === "100-continue") socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        },
      });
      if (message === null || socket.destroyed) return;
      const request: RawRequest = { ...message, method: message.startLine[0], target: message.startLine[1], connection };
      requests.push(request);
      await answer(request, socket);
      if (socket.destroyed || !socket.writable) return;
    }
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    instance: { id, host: "127.0.0.1", port },
    requests,
    errors,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
