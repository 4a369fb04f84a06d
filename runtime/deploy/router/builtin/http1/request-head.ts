/**
 * The request heads the router's fast path forwards itself: HTTP/1.1, origin-form target, plain
 * `name: value` lines, no body or a body with one Content-Length. Anything else (chunked bodies,
 * `Expect`, `Upgrade`, HTTP/1.0, no `Host` or two, obsolete line folding, a malformed or conflicting header) is not
 * parsed here: the connection is handed to node:http, whose parser (llhttp) answers or rejects it.
 * So the fast path never has to decide an ambiguous case, and request smuggling stays llhttp's job.
 */

/** A request head the fast path can forward. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin-form: starts with `/`). */
  readonly target: string;
  /** Header names and values as sent, flat: [name, value, name, value, ...]; values without OWS. */
  readonly rawHeaders: string[];
  /** Body length in bytes (0: no body). */
  readonly contentLength: number;
  /** The client sent `Connection: close`. */
  readonly close: boolean;
}

/** Longest request head the fast path reads; longer ones go to node:http (which answers 431). */
export const MAX_FAST_HEAD_BYTES = 16 * 1024;

const TCHAR = "!#$%&'*+.^_`|~0-9A-Za-z-";
/**
 * A whole head: request line, then `name:value` lines. Values allow HTAB, SP, visible ASCII and
 * obs-text, never CR, LF or other controls; the classes exclude `\r`, so matching is linear.
 */
const HEAD = new RegExp(`^[${TCHAR}]+ /[!-~]* HTTP/1\\.1(?:\\r\\n[${TCHAR}]+:[\\t\\x20-\\x7e\\x80-\\xff]*)*$`);

/**
 * Parses `head` (the bytes before the blank line, as latin1) or returns null when the fast path
 * must not handle the request.
 */
export function parseRequestHead(head: string): RequestHead | null {
  if (!HEAD.test(head)) return null;
  const lines = head.split("\r\n");
  const requestLine = lines[0] as string;
  const firstSpace = requestLine.indexOf(" ");
  const method = requestLine.slice(0, firstSpace);
  if (method === "CONNECT") return null;
  const target = requestLine.slice(firstSpace + 1, requestLine.length - 9);
  const rawHeaders: string[] = [];
  let contentLength = -1;
  let close = false;
  let host = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    const value = trimOws(line, colon + 1);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") {
          // Two Hosts name two origins: node:http answers it (400, see create-builtin-router.ts).
          if (host) return null;
          host = true;
        }
        break;
      case 6:
        if (name.toLowerCase() === "expect") return null;
        break;
      case 7:
        if (name.toLowerCase() === "upgrade") return null;
        break;
      case 10:
        if (name.toLowerCase() === "connection") {
          for (const token of value.toLowerCase().split(",")) {
            const option = token.trim();
            if (option === "close") close = true;
            else if (option === "upgrade") return null;
          }
        }
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          if (contentLength >= 0 || !/^\d{1,15}$/.test(value)) return null;
          contentLength = Number(value);
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") return null;
        break;
    }
    rawHeaders.push(name, value);
  }
  if (!host) return null;
  return { method, target, rawHeaders, contentLength: Math.max(contentLength, 0), close };
}

/** `line` from `start`, without leading and trailing spaces and tabs (RFC 9110 OWS). */
export function trimOws(line: string, start: number): string {
  let from = start;
  let to = line.length;
  while (from < to && isOws(line.charCodeAt(from))) from++;
  while (to > from && isOws(line.charCodeAt(to - 1))) to--;
  return line.slice(from, to);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** The request head for the upstream: request line and `headers` (flat name/value pairs). */
export function serializeRequestHead(method: string, target: string, headers: readonly string[]): string {
  let text = `${method} ${target} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}
