/**
 * Header rewriting on the hot path, on Node's flat `rawHeaders` arrays ([name, value, name, value, ...]):
 * hop-by-hop headers (RFC 9110 7.6.1, plus the names a `Connection` header lists) are dropped in
 * both directions, and `x-forwarded-for` gets the client address appended. Names are lowercased
 * only when their length matches a hop-by-hop name, so most headers cost one switch.
 */

/** Whether `name` (any case) is a hop-by-hop header. */
export function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return name.toLowerCase() === "te";
    case 7: {
      const lower = name.toLowerCase();
      return lower === "trailer" || lower === "upgrade";
    }
    case 10: {
      const lower = name.toLowerCase();
      return lower === "connection" || lower === "keep-alive";
    }
    case 16:
      return name.toLowerCase() === "proxy-connection";
    case 17:
      return name.toLowerCase() === "transfer-encoding";
    default:
      return false;
  }
}

/** Extra names listed in `Connection` values, beyond keep-alive and close; null when none. */
function connectionListed(raw: readonly string[]): Set<string> | null {
  let listed: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 10 || name.toLowerCase() !== "connection") continue;
    for (const token of (raw[i + 1] as string).split(",")) {
      const value = token.trim().toLowerCase();
      if (value !== "" && value !== "keep-alive" && value !== "close") (listed ??= new Set()).add(value);
    }
  }
  return listed;
}

/** What forwarding a request needs to know about its headers. */
export interface ForwardedRequestHeaders {
  readonly headers: string[];
  /** No body follows (no Transfer-Encoding, and no or a zero Content-Length). */
  readonly bodyless: boolean;
}

/** Request headers for the upstream: hop-by-hop dropped, `x-forwarded-for` extended with `clientAddress`. */
export function forwardRequestHeaders(raw: readonly string[], clientAddress: string): ForwardedRequestHeaders {
  const listed = connectionListed(raw);
  const headers: string[] = [];
  let forwardedFor: string | undefined;
  let bodyless = true;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const length = name.length;
    if (length === 15 && name.toLowerCase() === "x-forwarded-for") {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (length === 17 && name.toLowerCase() === "transfer-encoding") bodyless = false;
    else if (length === 14 && value !== "0" && name.toLowerCase() === "content-length") bodyless = false;
    if (isHopByHop(name) || (listed !== null && listed.has(name.toLowerCase()))) continue;
    headers.push(name, value);
  }
  headers.push("x-forwarded-for", forwardedFor === undefined ? clientAddress : `${forwardedFor}, ${clientAddress}`);
  return { headers, bodyless };
}

/** Response headers for the client: hop-by-hop dropped, `extra` (a name and a value, or none) added. */
export function forwardResponseHeaders(raw: readonly string[], extraName?: string, extraValue?: string): string[] {
  const listed = connectionListed(raw);
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (isHopByHop(name) || (listed !== null && listed.has(name.toLowerCase()))) continue;
    headers.push(name, raw[i + 1] as string);
  }
  if (extraName !== undefined && extraValue !== undefined) headers.push(extraName, extraValue);
  return headers;
}
