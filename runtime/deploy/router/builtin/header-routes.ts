import type { HeaderRoute } from "../../types.ts";
import { InvalidRouteError } from "../errors.ts";

/** A header route ready for the hot path: the header name lowercased, the match a closure. */
export interface CompiledRoute<T> {
  readonly name: string;
  readonly header: string;
  readonly test: (value: string) => boolean;
  readonly target: T;
}

/**
 * Compiles a route. `exact` and `prefix` compare the header value as sent; `regex` is a
 * JavaScript regular expression tested against the value (unanchored, like `RegExp.test`).
 * A header sent several times is matched against Node's joined value ("a, b").
 */
export function compileRoute<T>(route: HeaderRoute, target: T): CompiledRoute<T> {
  const header = route.header.trim().toLowerCase();
  if (header === "" || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(header)) {
    throw new InvalidRouteError(route.name, `"${route.header}" is not a valid header name`);
  }
  const match = route.match;
  let test: (value: string) => boolean;
  if ("exact" in match) {
    const expected = match.exact;
    test = (value) => value === expected;
  } else if ("prefix" in match) {
    const prefix = match.prefix;
    test = (value) => value.startsWith(prefix);
  } else {
    let regex: RegExp;
    try {
      regex = new RegExp(match.regex);
    } catch (error) {
      throw new InvalidRouteError(route.name, `regex ${JSON.stringify(match.regex)} does not compile`, error);
    }
    test = (value) => regex.test(value);
  }
  return { name: route.name, header, test, target };
}

/** The target of the first route whose header matches, in the order the routes were set. */
export function matchRoute<T>(
  routes: readonly CompiledRoute<T>[],
  headers: Readonly<Record<string, string | string[] | undefined>>,
): T | undefined {
  for (const route of routes) {
    const value = headers[route.header];
    if (value === undefined) continue;
    if (route.test(typeof value === "string" ? value : value.join(", "))) return route.target;
  }
  return undefined;
}
