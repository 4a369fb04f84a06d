import { describe, expect, it } from "vitest";
import { forwardRequestHeaders, forwardResponseHeaders } from "../../../../../runtime/deploy/router/builtin/headers.ts";
import { readStickyCookie, stickyCookieValue } from "../../../../../runtime/deploy/router/sticky-cookie.ts";
import { compileRoute, matchRoute } from "../../../../../runtime/deploy/router/builtin/header-routes.ts";

describe("forwardRequestHeaders", () => {
  it("drops hop-by-hop headers and the ones Connection names, and extends x-forwarded-for", () => {
    const raw = [
      "Host", "app", "Connection", "keep-alive, X-Secret", "Keep-Alive", "timeout=5", "X-Secret", "1",
      "TE", "trailers", "Upgrade", "h2c", "X-Forwarded-For", "10.1.1.1", "Accept", "*/*",
    ];
    expect(forwardRequestHeaders(raw, "127.0.0.1")).toEqual({
      headers: ["Host", "app", "Accept", "*/*", "x-forwarded-for", "10.1.1.1, 127.0.0.1"],
      bodyless: true,
    });
  });

  it.each([
    [["Content-Length", "0"], true],
    [["Content-Length", "12"], false],
    [["Transfer-Encoding", "chunked"], false],
  ])("knows whether a body follows from %o", (raw, bodyless) => {
    expect(forwardRequestHeaders(raw, "127.0.0.1").bodyless).toBe(bodyless);
  });

  it("keeps end-to-end response headers and adds the sticky cookie", () => {
    const raw = ["Content-Length", "6", "Connection", "keep-alive", "Keep-Alive", "timeout=5", "Set-Cookie", "a=1"];
    expect(forwardResponseHeaders(raw, "set-cookie", "v=stable")).toEqual(["Content-Length", "6", "Set-Cookie", "a=1", "set-cookie", "v=stable"]);
  });
});

describe("sticky cookie", () => {
  it("writes and reads a version, encoded", () => {
    expect(stickyCookieValue({ cookie: "pv", maxAgeMs: 90_000 }, "v 2")).toBe("pv=v%202; Path=/; HttpOnly; SameSite=Lax; Max-Age=90");
    expect(readStickyCookie("a=1; pv=v%202; b=2", "pv")).toBe("v 2");
    expect(readStickyCookie("apv=x; pv2=y", "pv")).toBeUndefined();
    expect(readStickyCookie(undefined, "pv")).toBeUndefined();
  });
});

describe("header routes", () => {
  it("matches in the order set, case-insensitively on the name", () => {
    const routes = [
      compileRoute({ name: "a", header: "X-Team", match: { prefix: "qa-" }, version: "canary" }, "canary"),
      compileRoute({ name: "b", header: "x-team", match: { regex: "^q" }, version: "stable" }, "stable"),
    ];
    expect(matchRoute(routes, { "x-team": "qa-1" })).toBe("canary");
    expect(matchRoute(routes, { "x-team": "q" })).toBe("stable");
    expect(matchRoute(routes, { "x-other": "qa-1" })).toBeUndefined();
  });

  it("rejects a regex that does not compile", () => {
    expect(() => compileRoute({ name: "bad", header: "x", match: { regex: "(" }, version: "v" }, "v")).toThrow(/Header route "bad" is invalid/);
  });
});
