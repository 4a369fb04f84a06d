import type { HeaderRoute } from "../../types.ts";
import { InvalidRouteError } from "../errors.ts";

/**
 * A header route as a key of the `map_reg` map applied to `req.hdrs` (PCRE2, multiline, one
 * "name: value" line per header, names lowercased by HAProxy):
 *   exact  → the line is exactly `name: value`
 *   prefix → the line starts with `name: prefix`
 *   regex  → the pattern matches somewhere in the value (PCRE2 syntax; `$` is the end of the value,
 *            `^` the start of the header line, so prefer prefix for a match anchored at the start)
 * A header sent several times is matched line by line (the builtin router joins the values).
 */
/** CRLF line ends (so `$` is the end of a header's value), multiline, anchored at a line start. */
const LINE = "(*CRLF)(?m)^";

export function routePattern(route: HeaderRoute): string {
  const header = route.header.trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(header)) {
    throw new InvalidRouteError(route.name, `"${route.header}" is not a valid header name`);
  }
  const name = escapePcre(header);
  const match = route.match;
  if ("exact" in match) return `${LINE}${name}:[\\t\\x20]*${escapePcre(match.exact)}[\\t\\x20]*$`;
  if ("prefix" in match) return `${LINE}${name}:[\\t\\x20]*${escapePcre(match.prefix)}`;
  try {
    new RegExp(match.regex);
  } catch (error) {
    throw new InvalidRouteError(route.name, `regex ${JSON.stringify(match.regex)} does not compile`, error);
  }
  return `${LINE}${name}:[\\t\\x20]*[^\\r\\n]*?(?:${match.regex.replace(/ /g, "\\x20")})`;
}

/** Escapes every ASCII character but letters, digits, `_` and `-` as `\xHH`, so no byte is special to PCRE or the CLI. */
export function escapePcre(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out += /[A-Za-z0-9_-]/.test(char) || code > 0x7f ? char : `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/**
 * The `sticky.map` key sending a request whose `Cookie` header carries `cookie=value` (the
 * version, URI-encoded as the builtin router writes it) to that version: a cookie at the start of
 * the line or after a `;`, its value ending at `;` or the end of the line.
 */
export function stickyPattern(cookie: string, version: string): string {
  return `${LINE}cookie:(?:[^\\r\\n]*;)?[\\t\\x20]*${escapePcre(cookie)}=${escapePcre(encodeURIComponent(version))}[\\t\\x20]*(?:;|$)`;
}
