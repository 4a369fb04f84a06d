import { trimOws } from "./request-head.ts";

/** How the end of a response body is found (RFC 9112 section 6.3). */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  /** Until the upstream closes the connection. */
  | { readonly kind: "close" };

/** An upstream's response head. */
export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** [name, value, ...] as sent, values without OWS. */
  readonly rawHeaders: string[];
  readonly framing: BodyFraming;
  /** The upstream connection can carry another request after this response. */
  readonly keepAlive: boolean;
  /**
   * The Transfer-Encoding as sent (joined when repeated), or undefined. A hop-by-hop header, but
   * the body is passed through encoded, so the client must get it too.
   */
  readonly transferEncoding: string | undefined;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a response head (the bytes before the blank line, as latin1) to a request made with
 * `method`; null when it is not valid HTTP/1.x, or its framing is ambiguous (differing
 * Content-Length values, or Content-Length with Transfer-Encoding): the router answers 502 and
 * drops the connection rather than guess.
 */
export function parseResponseHead(head: string, method: string): ResponseHead | null {
  const lines = head.split("\r\n");
  const status = STATUS_LINE.exec(lines[0] as string);
  if (status === null) return null;
  const http10 = status[1] === "0";
  const code = Number(status[2]);
  const rawHeaders: string[] = [];
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection = "";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!HEADER_LINE.test(line)) return null;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    const value = trimOws(line, colon + 1);
    const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : "";
    if (lower === "content-length") {
      if (contentLength !== undefined && contentLength !== value) return null;
      contentLength = value;
    } else if (lower === "transfer-encoding") {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (lower === "connection") {
      connection += `,${value.toLowerCase()}`;
    }
    rawHeaders.push(name, value);
  }
  const framing = framingOf(code, method, contentLength, transferEncoding);
  if (framing === null) return null;
  const options = connection.split(",").map((option) => option.trim());
  // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: close after it.
  const keepAlive = framing.kind !== "close" && !(http10 && transferEncoding !== undefined) && (http10 ? options.includes("keep-alive") : !options.includes("close"));
  return { status: code, reason: status[3] ?? "", rawHeaders, framing, keepAlive, transferEncoding: framing.kind === "none" ? undefined : transferEncoding };
}

function framingOf(status: number, method: string, contentLength: string | undefined, transferEncoding: string | undefined): BodyFraming | null {
  if (method === "HEAD" || (status >= 100 && status < 200) || status === 204 || status === 304) return { kind: "none" };
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return null;
    const codings = transferEncoding.toLowerCase().split(",");
    return codings[codings.length - 1]!.trim() === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  if (contentLength !== undefined) {
    if (!/^\d{1,15}$/.test(contentLength)) return null;
    return { kind: "length", length: Number(contentLength) };
  }
  return { kind: "close" };
}

/** The response head for the client: HTTP/1.1 status line and `headers` (flat name/value pairs). */
export function serializeResponseHead(status: number, reason: string, headers: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}
