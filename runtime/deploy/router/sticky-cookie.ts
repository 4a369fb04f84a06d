import type { Stickiness } from "./types.ts";
import { RouterError, ROUTER_ERROR_CODES } from "./errors.ts";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks a Stickiness option and returns it, or throws. */
export function validateStickiness(stickiness: Stickiness): Stickiness {
  if (!TOKEN.test(stickiness.cookie)) {
    throw new RouterError(ROUTER_ERROR_CODES.invalidRoute, `Sticky cookie name "${stickiness.cookie}" is not a valid cookie name`);
  }
  const maxAge = stickiness.maxAgeMs;
  if (maxAge !== undefined && (!Number.isFinite(maxAge) || maxAge <= 0)) {
    throw new RouterError(ROUTER_ERROR_CODES.invalidRoute, `Sticky cookie maxAgeMs must be a positive number, not ${maxAge}`);
  }
  return stickiness;
}

/** The `Set-Cookie` value pinning a client to `version`. */
export function stickyCookieValue(stickiness: Stickiness, version: string): string {
  const maxAge = stickiness.maxAgeMs === undefined ? "" : `; Max-Age=${Math.max(1, Math.round(stickiness.maxAgeMs / 1000))}`;
  return `${stickiness.cookie}=${encodeURIComponent(version)}; Path=/; HttpOnly; SameSite=Lax${maxAge}`;
}

/** The version named by the sticky cookie in a `Cookie` header, if any. */
export function readStickyCookie(cookieHeader: string | undefined, cookie: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  let start = 0;
  while (start < cookieHeader.length) {
    let end = cookieHeader.indexOf(";", start);
    if (end < 0) end = cookieHeader.length;
    const equals = cookieHeader.indexOf("=", start);
    if (equals > 0 && equals < end && cookieHeader.slice(start, equals).trim() === cookie) {
      try {
        return decodeURIComponent(cookieHeader.slice(equals + 1, end).trim());
      } catch {
        return undefined;
      }
    }
    start = end + 1;
  }
  return undefined;
}
