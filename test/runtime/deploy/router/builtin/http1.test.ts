import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../../bench/generate.ts";
import { ChunkedScanner } from "../../../../../runtime/deploy/router/builtin/http1/chunked-scanner.ts";
import { MAX_FAST_HEAD_BYTES, parseRequestHead, serializeRequestHead, trimOws } from "../../../../../runtime/deploy/router/builtin/http1/request-head.ts";
import { parseResponseHead, serializeResponseHead } from "../../../../../runtime/deploy/router/builtin/http1/response-head.ts";

/** A head from its lines, joined the way the parsers get it: CRLF between lines, no blank line. */
const head = (...lines: string[]): string => lines.join("\r\n");
const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");

describe("parseRequestHead", () => {
  it("parses a typical GET", () => {
    expect(parseRequestHead(head("GET /a/b?c=d&e HTTP/1.1", "Host: app.local", "Accept: */*", "User-Agent: curl/8.5.0"))).toEqual({
      method: "GET",
      target: "/a/b?c=d&e",
      rawHeaders: ["Host", "app.local", "Accept", "*/*", "User-Agent", "curl/8.5.0"],
      contentLength: 0,
      close: false,
    });
  });

  it("parses a POST with a body length", () => {
    expect(parseRequestHead(head("POST /submit HTTP/1.1", "Host: app", "Content-Type: application/json", "Content-Length: 27"))).toEqual({
      method: "POST",
      target: "/submit",
      rawHeaders: ["Host", "app", "Content-Type", "application/json", "Content-Length", "27"],
      contentLength: 27,
      close: false,
    });
  });

  it.each(["Host: h", "host: h", "HOST:h", "Host:", "X: 1\r\nhost: h\r\nY: 2"])("needs a Host header and finds %j", (lines) => {
    expect(parseRequestHead(head("GET / HTTP/1.1", lines))).not.toBeNull();
  });

  it("keeps header name case, order and repeats as sent", () => {
    const parsed = parseRequestHead(head("GET / HTTP/1.1", "x-LOWER: 1", "Host: h", "X-Dup: a", "accept: b", "X-Dup: c"));
    expect(parsed?.rawHeaders).toEqual(["x-LOWER", "1", "Host", "h", "X-Dup", "a", "accept", "b", "X-Dup", "c"]);
  });

  it.each([
    ["X: value", "value"],
    ["X:value", "value"],
    ["X:   value   ", "value"],
    ["X:\tvalue\t", "value"],
    ["X: \t value \t ", "value"],
    ["X: a  b\tc", "a  b\tc"],
    ["X:", ""],
    ["X:    ", ""],
    ["X: \xa0value\xa0", "\xa0value\xa0"],
    ["X: caf\xe9", "caf\xe9"],
    ["X: a:b: c", "a:b: c"],
  ])("trims only SP and HTAB around a value: %j", (line, value) => {
    expect(parseRequestHead(head("GET / HTTP/1.1", "Host: h", line))?.rawHeaders).toEqual(["Host", "h", "X", value]);
  });

  it.each([
    ["Content-Length: 0", 0],
    ["Content-Length: 5", 5],
    ["content-length: 42", 42],
    ["CONTENT-LENGTH:\t 7 \t", 7],
    ["Content-Length: 007", 7],
    ["Content-Length: 999999999999999", 999_999_999_999_999],
  ])("reads the body length from %j", (line, length) => {
    expect(parseRequestHead(head("POST / HTTP/1.1", "Host: h", line))?.contentLength).toBe(length);
  });

  it.each([
    ["Connection: close", true],
    ["connection: CLOSE", true],
    ["Connection: Close", true],
    ["Connection: keep-alive, close", true],
    ["Connection: close , X-Foo", true],
    ["Connection: x-foo,close", true],
    ["Connection: keep-alive", false],
    ["Connection: closed", false],
    ["Connection: x-close", false],
    ["X-Connection: close", false],
  ])("reads %j as close = %s", (line, close) => {
    expect(parseRequestHead(head("GET / HTTP/1.1", "Host: h", line))?.close).toBe(close);
  });

  it("sets close when any of several Connection headers says close", () => {
    expect(parseRequestHead(head("GET / HTTP/1.1", "Connection: keep-alive", "Host: h", "Connection: close"))?.close).toBe(true);
  });

  it.each(["PURGE", "get", "M-SEARCH", "X_Y.Z~1", "!#$%&'*+.^_`|~"])("accepts any token as the method: %s", (method) => {
    expect(parseRequestHead(head(`${method} / HTTP/1.1`, "Host: h"))?.method).toBe(method);
  });

  it.each(["/", "/a%20b", "/?q=x/y", "/a;b=c", "/~user/!$&'()*+,;=:@", "//double"])("keeps the origin-form target %j", (target) => {
    expect(parseRequestHead(head(`GET ${target} HTTP/1.1`, "Host: h"))?.target).toBe(target);
  });

  it.each([
    ["empty input", ""],
    ["no headers (so no Host)", "GET / HTTP/1.1"],
    ["no Host header", head("GET / HTTP/1.1", "Accept: */*", "Content-Length: 0")],
    ["a Host-like header only", head("GET / HTTP/1.1", "X-Host: h", "Hostname: h")],
    ["HTTP/1.0", head("GET / HTTP/1.0", "Host: h")],
    ["HTTP/2.0", head("GET / HTTP/2.0", "Host: h")],
    ["HTTP/1.10", head("GET / HTTP/1.10", "Host: h")],
    ["lowercase http", head("GET / http/1.1", "Host: h")],
    ["a missing version", head("GET /", "Host: h")],
    ["a missing target", head("GET HTTP/1.1", "Host: h")],
    ["an absolute-form target", head("GET http://x/ HTTP/1.1", "Host: x")],
    ["an authority-form target", head("GET x:80 HTTP/1.1", "Host: x")],
    ["the asterisk target", head("OPTIONS * HTTP/1.1", "Host: h")],
    ["CONNECT", head("CONNECT /x HTTP/1.1", "Host: h")],
    ["a space in the target", head("GET /a b HTTP/1.1", "Host: h")],
    ["a tab in the target", head("GET /a\tb HTTP/1.1", "Host: h")],
    ["obs-text in the target", head("GET /caf\xe9 HTTP/1.1", "Host: h")],
    ["two spaces after the method", head("GET  / HTTP/1.1", "Host: h")],
    ["two spaces before the version", head("GET /  HTTP/1.1", "Host: h")],
    ["a leading space", head(" GET / HTTP/1.1", "Host: h")],
    ["trailing whitespace on the request line", head("GET / HTTP/1.1 ", "Host: h")],
    ["an empty method", head(" / HTTP/1.1", "Host: h")],
    ["a method with a non-token char", head("GE@T / HTTP/1.1", "Host: h")],
    ["a method with a slash", head("GET/ / HTTP/1.1", "Host: h")],
    ["Transfer-Encoding", head("POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked")],
    ["transfer-encoding in lowercase", head("POST / HTTP/1.1", "Host: h", "transfer-encoding: chunked")],
    ["TRANSFER-ENCODING: identity", head("POST / HTTP/1.1", "Host: h", "TRANSFER-ENCODING: identity")],
    ["Transfer-Encoding with Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Transfer-Encoding: chunked")],
    ["Expect", head("POST / HTTP/1.1", "Host: h", "Expect: 100-continue", "Content-Length: 3")],
    ["expect in lowercase", head("POST / HTTP/1.1", "Host: h", "expect: 100-continue")],
    ["Upgrade", head("GET / HTTP/1.1", "Host: h", "Upgrade: websocket")],
    ["UPGRADE in uppercase", head("GET / HTTP/1.1", "Host: h", "UPGRADE: h2c")],
    ["Connection: upgrade", head("GET / HTTP/1.1", "Host: h", "Connection: upgrade")],
    ["Connection: Upgrade in a list", head("GET / HTTP/1.1", "Host: h", "Connection: keep-alive, Upgrade")],
    ["two equal Content-Length headers", head("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "Content-Length: 3")],
    ["two differing Content-Length headers", head("POST / HTTP/1.1", "Host: h", "Content-Length: 3", "content-length: 4")],
    ["a Content-Length list", head("POST / HTTP/1.1", "Host: h", "Content-Length: 3, 3")],
    ["a signed Content-Length (+)", head("POST / HTTP/1.1", "Host: h", "Content-Length: +3")],
    ["a signed Content-Length (-)", head("POST / HTTP/1.1", "Host: h", "Content-Length: -3")],
    ["a hex Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 0x10")],
    ["a fractional Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 1.5")],
    ["an exponent Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 1e3")],
    ["an empty Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: ")],
    ["a Content-Length with inner space", head("POST / HTTP/1.1", "Host: h", "Content-Length: 1 2")],
    ["a Content-Length with \\xa0", head("POST / HTTP/1.1", "Host: h", "Content-Length: 5\xa0")],
    ["a non-ASCII-digit Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: \u0665")],
    ["a 16-digit Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 1000000000000000")],
    ["a 20-digit Content-Length", head("POST / HTTP/1.1", "Host: h", "Content-Length: 00000000000000000005")],
    ["a header without colon", head("GET / HTTP/1.1", "Host: h", "X-Name value")],
    ["a space before the colon", head("GET / HTTP/1.1", "Host: h", "X-Name : value")],
    ["a tab before the colon", head("GET / HTTP/1.1", "Host: h", "X-Name\t: value")],
    ["an empty header name", head("GET / HTTP/1.1", "Host: h", ": value")],
    ["a non-token char in a header name", head("GET / HTTP/1.1", "Host: h", "X(Y): value")],
    ["obs-fold with a space", head("GET / HTTP/1.1", "Host: h", "X-Long: a", " b")],
    ["obs-fold with a tab", head("GET / HTTP/1.1", "Host: h", "X-Long: a", "\tb")],
    ["a NUL in a value", head("GET / HTTP/1.1", "Host: h", "X: a\x00b")],
    ["a DEL in a value", head("GET / HTTP/1.1", "Host: h", "X: a\x7fb")],
    ["a \\x01 in a value", head("GET / HTTP/1.1", "Host: h", "X: \x01")],
    ["a \\x1f in a value", head("GET / HTTP/1.1", "Host: h", "X: a\x1f")],
    ["a bare CR in a value", head("GET / HTTP/1.1", "Host: h", "X: a\rb")],
    ["a bare LF in a value", head("GET / HTTP/1.1", "Host: h", "X: a\nb")],
    ["a bare LF ending the request line", "GET / HTTP/1.1\nHost: h"],
    ["a bare LF between headers", head("GET / HTTP/1.1", "Host: h", "X: y\nZ: 1")],
    ["an empty header line", head("GET / HTTP/1.1", "", "Host: h")],
    ["a trailing CRLF", "GET / HTTP/1.1\r\nHost: h\r\n"],
    ["a char above latin1 in a value", head("GET / HTTP/1.1", "Host: h", "X: \u20ac")],
  ])("hands %s to node:http", (_, text) => {
    expect(parseRequestHead(text)).toBeNull();
  });

  it("rejects a long invalid head quickly (no backtracking blow-up)", () => {
    const long = head("GET / HTTP/1.1", ...Array.from({ length: 500 }, (_, i) => `X-${i}: ${"v".repeat(25)}`), "X: \x00");
    expect(long.length).toBeGreaterThan(MAX_FAST_HEAD_BYTES);
    const started = performance.now();
    expect(parseRequestHead(long)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("trimOws", () => {
  it.each([
    ["abc", 0, "abc"],
    ["  abc  ", 0, "abc"],
    ["\t abc \t", 0, "abc"],
    ["X: v ", 2, "v"],
    ["X:", 2, ""],
    ["   ", 0, ""],
    ["\xa0a\xa0", 0, "\xa0a\xa0"],
    ["\r\na\n", 0, "\r\na\n"],
  ])("trims %j from %i to %j", (line, start, trimmed) => {
    expect(trimOws(line, start)).toBe(trimmed);
  });
});

describe("serializeRequestHead", () => {
  it("writes the request line, one `name: value` line per header and the blank line", () => {
    expect(serializeRequestHead("GET", "/x?y", ["Host", "h", "X-Empty", ""])).toBe("GET /x?y HTTP/1.1\r\nHost: h\r\nX-Empty: \r\n\r\n");
    expect(serializeRequestHead("GET", "/", [])).toBe("GET / HTTP/1.1\r\n\r\n");
  });

  it.each([
    head("GET / HTTP/1.1", "Host: h"),
    head("POST /p?q HTTP/1.1", "host:h", "X-Empty:", "Content-Length:\t12 ", "Connection: keep-alive, close", "x-Mixed-CASE:  a  b  "),
    head("PURGE /cache HTTP/1.1", "X: caf\xe9", "Host: h", "X: \xa0"),
    head("OPTIONS /* HTTP/1.1", "host:"),
  ])("round-trips %j", (text) => {
    const parsed = parseRequestHead(text);
    expect(parsed).not.toBeNull();
    const written = serializeRequestHead(parsed!.method, parsed!.target, parsed!.rawHeaders);
    expect(written.endsWith("\r\n\r\n")).toBe(true);
    // Serialising normalises OWS to one space; a second round trip is the identity.
    expect(parseRequestHead(written.slice(0, -4))).toEqual(parsed);
    expect(serializeRequestHead(parsed!.method, parsed!.target, parseRequestHead(written.slice(0, -4))!.rawHeaders)).toBe(written);
  });
});

describe("parseResponseHead", () => {
  it.each([
    ["HTTP/1.1 200 OK", 200, "OK"],
    ["HTTP/1.1 404 Not Found", 404, "Not Found"],
    ["HTTP/1.1 500 Internal  Server\tError ", 500, "Internal  Server\tError "],
    ["HTTP/1.1 200 ", 200, ""],
    ["HTTP/1.1 200", 200, ""],
    ["HTTP/1.0 302 Found", 302, "Found"],
    ["HTTP/1.1 599 caf\xe9", 599, "caf\xe9"],
  ])("reads the status line %j", (line, status, reason) => {
    const parsed = parseResponseHead(head(line, "Content-Length: 0"), "GET");
    expect(parsed?.status).toBe(status);
    expect(parsed?.reason).toBe(reason);
  });

  it("keeps headers as sent, values trimmed of OWS", () => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK", "content-TYPE:  text/plain ", "Set-Cookie: a=1", "Set-Cookie:b=2", "Content-Length: 6"), "GET");
    expect(parsed).toEqual({
      status: 200,
      reason: "OK",
      rawHeaders: ["content-TYPE", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2", "Content-Length", "6"],
      framing: { kind: "length", length: 6 },
      keepAlive: true,
      transferEncoding: undefined,
    });
  });

  it.each([
    ["HEAD with a length", "HEAD", "HTTP/1.1 200 OK", ["Content-Length: 100"]],
    ["HEAD with chunked", "HEAD", "HTTP/1.1 200 OK", ["Transfer-Encoding: chunked"]],
    ["HEAD without framing", "HEAD", "HTTP/1.1 200 OK", []],
    ["100", "GET", "HTTP/1.1 100 Continue", []],
    ["103", "GET", "HTTP/1.1 103 Early Hints", ["Link: </a.css>; rel=preload"]],
    ["199", "GET", "HTTP/1.1 199 Whatever", []],
    ["204", "DELETE", "HTTP/1.1 204 No Content", ["Content-Length: 10"]],
    ["204 with chunked", "GET", "HTTP/1.1 204 No Content", ["Transfer-Encoding: chunked"]],
    ["304", "GET", "HTTP/1.1 304 Not Modified", ["Content-Length: 1234"]],
  ])("has no body: %s", (_, method, line, headers) => {
    const parsed = parseResponseHead(head(line, ...headers), method);
    expect(parsed?.framing).toEqual({ kind: "none" });
    expect(parsed?.transferEncoding).toBeUndefined();
    expect(parsed?.keepAlive).toBe(true);
  });

  it.each([
    [["Transfer-Encoding: chunked"], "chunked"],
    [["transfer-encoding: CHUNKED"], "CHUNKED"],
    [["Transfer-Encoding: Chunked "], "Chunked"],
    [["Transfer-Encoding: gzip, chunked"], "gzip, chunked"],
    [["Transfer-Encoding: gzip,chunked"], "gzip,chunked"],
    [["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"], "gzip, chunked"],
  ])("is chunked with %j, keeping the Transfer-Encoding", (headers, transferEncoding) => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK", ...headers), "GET");
    expect(parsed?.framing).toEqual({ kind: "chunked" });
    expect(parsed?.transferEncoding).toBe(transferEncoding);
    expect(parsed?.keepAlive).toBe(true);
  });

  it.each([
    [["Transfer-Encoding: gzip"], "gzip"],
    [["Transfer-Encoding: chunked, gzip"], "chunked, gzip"],
    [["Transfer-Encoding: chunked", "Transfer-Encoding: gzip"], "chunked, gzip"],
    [["Transfer-Encoding: identity"], "identity"],
    [["Transfer-Encoding: xchunked"], "xchunked"],
  ])("reads until close with %j (Transfer-Encoding not ending in chunked)", (headers, transferEncoding) => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK", ...headers), "GET");
    expect(parsed?.framing).toEqual({ kind: "close" });
    expect(parsed?.transferEncoding).toBe(transferEncoding);
    expect(parsed?.keepAlive).toBe(false);
  });

  it.each([
    [["Content-Length: 0"], 0],
    [["Content-Length: 12"], 12],
    [["content-length:\t12\t"], 12],
    [["Content-Length: 12", "Content-Length: 12"], 12],
    [["Content-Length: 12", "content-length:12 "], 12],
    [["Content-Length: 999999999999999"], 999_999_999_999_999],
  ])("has a length with %j", (headers, length) => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK", ...headers), "GET");
    expect(parsed?.framing).toEqual({ kind: "length", length });
    expect(parsed?.transferEncoding).toBeUndefined();
  });

  it("reads until close without framing headers", () => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK", "Content-Type: text/plain"), "GET");
    expect(parsed?.framing).toEqual({ kind: "close" });
    expect(parsed?.keepAlive).toBe(false);
    expect(parsed?.transferEncoding).toBeUndefined();
  });

  it.each([
    ["HTTP/1.1, no Connection", "HTTP/1.1 200 OK", [], true],
    ["HTTP/1.1, keep-alive", "HTTP/1.1 200 OK", ["Connection: keep-alive"], true],
    ["HTTP/1.1, close", "HTTP/1.1 200 OK", ["Connection: close"], false],
    ["HTTP/1.1, CLOSE", "HTTP/1.1 200 OK", ["connection: CLOSE"], false],
    ["HTTP/1.1, close in a list", "HTTP/1.1 200 OK", ["Connection: x-foo, close"], false],
    ["HTTP/1.1, close in a second header", "HTTP/1.1 200 OK", ["Connection: keep-alive", "Connection: close"], false],
    ["HTTP/1.1, closed", "HTTP/1.1 200 OK", ["Connection: closed"], true],
    ["HTTP/1.0, no Connection", "HTTP/1.0 200 OK", [], false],
    ["HTTP/1.0, keep-alive", "HTTP/1.0 200 OK", ["Connection: keep-alive"], true],
    ["HTTP/1.0, Keep-Alive", "HTTP/1.0 200 OK", ["Connection: Keep-Alive"], true],
    ["HTTP/1.0, keep-alive in a list", "HTTP/1.0 200 OK", ["Connection: x-foo,keep-alive"], true],
    ["HTTP/1.0, close", "HTTP/1.0 200 OK", ["Connection: close"], false],
  ])("keep-alive: %s", (_, line, headers, keepAlive) => {
    expect(parseResponseHead(head(line, ...headers, "Content-Length: 2"), "GET")?.keepAlive).toBe(keepAlive);
  });

  it.each([
    ["HTTP/1.1", "HTTP/1.1 200 OK"],
    ["HTTP/1.0 with keep-alive", "HTTP/1.0 200 OK"],
  ])("never keeps alive with close framing (%s)", (_, line) => {
    expect(parseResponseHead(head(line, "Connection: keep-alive"), "GET")).toMatchObject({ framing: { kind: "close" }, keepAlive: false });
  });

  it("closes after an HTTP/1.0 response with Transfer-Encoding, whatever it asks (RFC 9112 6.1)", () => {
    expect(parseResponseHead(head("HTTP/1.0 200 OK", "Transfer-Encoding: chunked", "Connection: keep-alive"), "GET")).toMatchObject({ framing: { kind: "chunked" }, keepAlive: false });
  });

  it("keeps HTTP/1.0 alive for a HEAD response when asked to", () => {
    expect(parseResponseHead(head("HTTP/1.0 200 OK", "Connection: keep-alive"), "HEAD")).toMatchObject({ framing: { kind: "none" }, keepAlive: true });
  });

  it.each([
    ["differing Content-Length", ["Content-Length: 1", "Content-Length: 2"]],
    ["differing Content-Length, one of them 0", ["Content-Length: 0", "content-length: 10"]],
    ["Content-Length then Transfer-Encoding", ["Content-Length: 5", "Transfer-Encoding: chunked"]],
    ["Transfer-Encoding then Content-Length", ["Transfer-Encoding: chunked", "Content-Length: 5"]],
    ["Content-Length with a non-chunked Transfer-Encoding", ["Content-Length: 5", "Transfer-Encoding: gzip"]],
    ["a Content-Length list", ["Content-Length: 5, 5"]],
    ["a signed Content-Length", ["Content-Length: -1"]],
    ["a non-digit Content-Length", ["Content-Length: abc"]],
    ["an empty Content-Length", ["Content-Length:"]],
    ["a 16-digit Content-Length", ["Content-Length: 1000000000000000"]],
  ])("is null on ambiguous framing: %s", (_, headers) => {
    expect(parseResponseHead(head("HTTP/1.1 200 OK", ...headers), "GET")).toBeNull();
  });

  it("is null on differing Content-Length even for a HEAD request", () => {
    expect(parseResponseHead(head("HTTP/1.1 200 OK", "Content-Length: 1", "Content-Length: 2"), "HEAD")).toBeNull();
  });

  it.each([
    ["empty input", ""],
    ["HTTP/2", "HTTP/2 200 OK"],
    ["HTTP/2.0", "HTTP/2.0 200 OK"],
    ["HTTP/1.2", "HTTP/1.2 200 OK"],
    ["lowercase http", "http/1.1 200 OK"],
    ["a two-digit status", "HTTP/1.1 20 OK"],
    ["a four-digit status", "HTTP/1.1 2000 OK"],
    ["a non-digit status", "HTTP/1.1 2x0 OK"],
    ["no status", "HTTP/1.1"],
    ["two spaces before the status", "HTTP/1.1  200 OK"],
    ["a tab after the status", "HTTP/1.1 200\tOK"],
    ["garbage", "garbage"],
    ["a leading space", " HTTP/1.1 200 OK"],
    ["a control char in the reason", "HTTP/1.1 200 O\x01K"],
    ["a DEL in the reason", "HTTP/1.1 200 OK\x7f"],
    ["a bare LF after the status line", "HTTP/1.1 200 OK\nContent-Length: 0"],
  ])("is null on an invalid status line: %s", (_, text) => {
    expect(parseResponseHead(text, "GET")).toBeNull();
  });

  it.each([
    ["a NUL in a value", "X: a\x00b"],
    ["a \\x01 in a value", "X: \x01"],
    ["a DEL in a value", "X: a\x7f"],
    ["a bare CR in a value", "X: a\rb"],
    ["a bare LF in a value", "X: a\nb"],
    ["a header without colon", "X"],
    ["a space before the colon", "X : y"],
    ["an empty header name", ": y"],
    ["obs-fold", " folded"],
    ["an empty line", ""],
    ["a char above latin1", "X: \u20ac"],
  ])("is null on an invalid header line: %s", (_, line) => {
    expect(parseResponseHead(head("HTTP/1.1 200 OK", line, "Content-Length: 0"), "GET")).toBeNull();
  });
});

describe("serializeResponseHead", () => {
  it("writes an HTTP/1.1 status line and the headers", () => {
    expect(serializeResponseHead(200, "OK", ["Content-Length", "2", "X", ""])).toBe("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: \r\n\r\n");
  });

  it("round-trips through parseResponseHead", () => {
    const parsed = parseResponseHead(head("HTTP/1.1 404 Not  Found", "x-a:1", "Transfer-Encoding:  gzip, chunked "), "GET")!;
    const written = serializeResponseHead(parsed.status, parsed.reason, parsed.rawHeaders);
    expect(parseResponseHead(written.slice(0, -4), "GET")).toEqual(parsed);
  });
});

/** Runs a fresh scanner over `pieces` in order; the (piece index, result) of the first non -1 result. */
function scanPieces(pieces: readonly Uint8Array[]): { piece: number; result: number } {
  const scanner = new ChunkedScanner();
  for (const [piece, chunk] of pieces.entries()) {
    const result = scanner.scan(chunk);
    if (result !== -1) return { piece, result };
  }
  return { piece: pieces.length, result: -1 };
}

/** Chunk-encodes `body` in chunks of the given sizes (the rest in one last chunk), then the last chunk and `trailer`. */
function encodeChunked(body: Uint8Array, sizes: readonly number[], trailer = ""): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const size of [...sizes, body.length]) {
    const take = Math.min(size, body.length - at);
    if (take === 0) continue;
    parts.push(bytes(`${take.toString(16)}\r\n`), body.subarray(at, at + take), bytes("\r\n"));
    at += take;
  }
  parts.push(bytes(`0\r\n${trailer}\r\n`));
  return Buffer.concat(parts);
}

describe("ChunkedScanner", () => {
  it.each([
    ["the last chunk alone", "0\r\n\r\n"],
    ["one chunk", "5\r\nhello\r\n0\r\n\r\n"],
    ["several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"],
    ["uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n"],
    ["lowercase hex", "a\r\n0123456789\r\n0\r\n\r\n"],
    ["mixed-case hex", "1aB\r\n" + "x".repeat(0x1ab) + "\r\n0\r\n\r\n"],
    ["leading zeros", "0005\r\nhello\r\n000\r\n\r\n"],
    ["12 hex digits", "000000000005\r\nhello\r\n0\r\n\r\n"],
    ["16 hex digits, zero-padded (llhttp takes them)", "0000000000000005\r\nhello\r\n0\r\n\r\n"],
    ["blanks before an extension", "5 \t;a=b\r\nhello\r\n0\r\n\r\n"],
    ["data holding CRLF and size-like bytes", "a\r\n0\r\n\r\n\r\n0\r\n\r\n0\r\n\r\n"],
    ["a chunk extension", "5;name=value\r\nhello\r\n0\r\n\r\n"],
    ["several extensions", "5;a=1;b=\"x;y\"\r\nhello\r\n0;last\r\n\r\n"],
    ["a bare extension", "5;ext\r\nhello\r\n0\r\n\r\n"],
    ["BWS before the extension", "5 ;a=1\r\nhello\r\n0\t;b\r\n\r\n"],
    ["one trailer line", "5\r\nhello\r\n0\r\nExpires: never\r\n\r\n"],
    ["several trailer lines", "5\r\nhello\r\n0\r\nA: 1\r\nB: 2\r\nC:\r\n\r\n"],
    ["an extension on the last chunk and a trailer", "0;x=y\r\nA: 1\r\n\r\n"],
    ["binary data", "4\r\n\x00\r\n\xff\r\n0\r\n\r\n"],
  ])("finds the end of %s in one buffer", (_, text) => {
    expect(new ChunkedScanner().scan(bytes(text))).toBe(text.length);
  });

  it.each([
    ["a next response", "5\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n"],
    ["a stray CRLF", "0\r\n\r\n", "\r\n"],
    ["another chunked body", "3\r\nabc\r\n0\r\nT: 1\r\n\r\n", "3\r\nabc\r\n0\r\n\r\n"],
    ["garbage", "0\r\n\r\n", "\x00\x01garbage"],
  ])("stops just past the final CRLF, before %s", (_, body, after) => {
    expect(new ChunkedScanner().scan(bytes(body + after))).toBe(body.length);
  });

  it("scans from an offset", () => {
    const prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const body = "5\r\nhello\r\n0\r\n\r\n";
    expect(new ChunkedScanner().scan(bytes(prefix + body + "next"), prefix.length)).toBe(prefix.length + body.length);
  });

  it("needs more bytes for an empty buffer or a partial body", () => {
    const scanner = new ChunkedScanner();
    expect(scanner.scan(new Uint8Array(0))).toBe(-1);
    expect(scanner.scan(bytes("5\r\nhel"))).toBe(-1);
    expect(scanner.scan(bytes("lo\r\n0\r\n"))).toBe(-1);
    expect(scanner.scan(bytes("\r"))).toBe(-1);
    expect(scanner.scan(bytes("\nnext"))).toBe(1);
  });

  it.each([
    "0\r\n\r\n",
    "5\r\nhello\r\n0\r\n\r\n",
    "5;name=value\r\nhello\r\n1A\r\n" + "y".repeat(26) + "\r\n0;z\r\nA: 1\r\nB: 2\r\n\r\n",
  ])("fed one byte at a time, returns -1 until the last byte of %j", (text) => {
    const scanner = new ChunkedScanner();
    const data = bytes(text);
    for (let i = 0; i < data.length - 1; i++) expect(scanner.scan(data.subarray(i, i + 1))).toBe(-1);
    expect(scanner.scan(data.subarray(data.length - 1))).toBe(1);
  });

  it("fed one byte at a time inside one buffer (by offset), returns the index past the end", () => {
    const text = "3\r\nabc\r\n0\r\nX: y\r\n\r\n";
    const data = bytes(`${text}rest`);
    const scanner = new ChunkedScanner();
    for (let i = 0; i < text.length - 1; i++) expect(scanner.scan(data.subarray(0, i + 1), i)).toBe(-1);
    expect(scanner.scan(data, text.length - 1)).toBe(text.length);
  });

  it("follows a large chunk across many buffers", () => {
    const size = 3 * 1024 * 1024 + 7;
    const body = new Uint8Array(size).fill(0x0d);
    const encoded = encodeChunked(body, [size]);
    expect(Buffer.from(encoded.subarray(0, 8)).toString("latin1")).toBe(`${size.toString(16)}\r\n`);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < encoded.length; at += 65_536) pieces.push(encoded.subarray(at, at + 65_536));
    expect(pieces.length).toBeGreaterThan(40);
    expect(scanPieces(pieces)).toEqual({ piece: pieces.length - 1, result: pieces.at(-1)!.length });
  });

  it("accepts a 12-hex-digit size without reading its data", () => {
    const scanner = new ChunkedScanner();
    expect(scanner.scan(bytes("ffffffffffff\r\n"))).toBe(-1);
    expect(scanner.scan(new Uint8Array(1 << 20))).toBe(-1);
  });

  it.each([
    ["a non-hex size", "g\r\n"],
    ["a non-hex char after digits", "5g\r\nhello\r\n0\r\n\r\n"],
    ["a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"],
    ["a signed size", "+5\r\nhello\r\n0\r\n\r\n"],
    ["an empty size line", "\r\n5\r\nhello\r\n0\r\n\r\n"],
    ["an empty size line after a chunk", "5\r\nhello\r\n\r\n0\r\n\r\n"],
    ["an extension without a size", ";a\r\n"],
    ["a space before the size", " 5\r\nhello\r\n0\r\n\r\n"],
    ["13 significant hex digits", "1000000000000\r\nhello\r\n0\r\n\r\n"],
    ["junk after blanks behind the size", "5 junk\r\nhello\r\n0\r\n\r\n"],
    ["16 hex digits", "ffffffffffffffff\r\n"],
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n"],
    ["a bare LF in an extension", "5;a\nhello\r\n0\r\n\r\n"],
    ["a CR not followed by LF after the size", "5\rhello\r\n0\r\n\r\n"],
    ["data longer than the size", "5\r\nhello!\r\n0\r\n\r\n"],
    ["data shorter than the size", "5\r\nhell\r\n0\r\n\r\n"],
    ["a bare LF after the data", "5\r\nhello\n0\r\n\r\n"],
    ["a CR without LF after the data", "5\r\nhello\rx0\r\n\r\n"],
    ["a bare LF ending the last chunk", "0\n\r\n"],
    ["a bare LF ending a trailer", "0\r\nA: 1\n\r\n"],
    ["a bare LF as the final line", "0\r\n\n"],
    ["a CR not followed by LF in the trailer", "0\r\nA: 1\rB\r\n\r\n"],
    ["a final CR not followed by LF", "0\r\n\rx"],
  ])("is -2 (malformed) on %s", (_, text) => {
    expect(new ChunkedScanner().scan(bytes(text))).toBe(-2);
  });

  it.each([
    ["a non-hex size", "5\r\nhello\r\n", "z\r\n"],
    ["13 significant hex digits", "10000", "00000000"],
    ["missing CRLF after data", "5\r\nhel", "lo!!"],
    ["a bare LF after the size", "5", "\n"],
  ])("is -2 on %s split across buffers", (_, first, second) => {
    const scanner = new ChunkedScanner();
    expect(scanner.scan(bytes(first))).toBe(-1);
    expect(scanner.scan(bytes(second))).toBe(-2);
  });

  it("finds exactly the encoded length for random bodies, chunkings and buffer splits", () => {
    const random = mulberry32(20_260_201);
    const below = (limit: number): number => Math.floor(random() * limit);
    const trailers = ["", "A: 1\r\n", "Expires: never\r\nX-Checksum: abc\r\n", "E:\r\n"];
    for (let round = 0; round < 400; round++) {
      const body = new Uint8Array(below(round % 10 === 0 ? 100_000 : 2_000));
      // Bytes that look like framing (CR, LF, hex digits, `;`) are the interesting ones.
      const alphabet = [0x0d, 0x0a, 0x30, 0x35, 0x61, 0x46, 0x3b, 0x20, 0x00, 0xff];
      for (let i = 0; i < body.length; i++) body[i] = random() < 0.5 ? alphabet[below(alphabet.length)]! : below(256);
      const sizes = Array.from({ length: below(12) }, () => 1 + below(body.length + 1));
      const encoded = encodeChunked(body, sizes, trailers[below(trailers.length)]);
      const after = bytes(["", "HTTP/1.1 200 OK\r\n", "0\r\n\r\n", "\r\n"][below(4)]!);
      const stream = Buffer.concat([encoded, after]);

      const pieces: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const take = 1 + below(random() < 0.3 ? 4 : 4_096);
        pieces.push(stream.subarray(at, at + take));
        at += take;
      }
      const { piece, result } = scanPieces(pieces);
      const start = pieces.slice(0, piece).reduce((sum, p) => sum + p.length, 0);
      expect(result, `round ${round}`).toBeGreaterThan(0);
      expect(start + result, `round ${round}`).toBe(encoded.length);
    }
  });
});
