import type { Router } from "../types.ts";

/**
 * Cookie stickiness: a client that got a response for version V carries `cookie=V` and keeps
 * going to V while V has a weight above 0. An addition to the `Router` contract, implemented by
 * the builtin router.
 */
export interface Stickiness {
  /** Cookie name, a valid RFC 6265 token. */
  readonly cookie: string;
  /** Max-Age of the cookie. @default session cookie (no Max-Age) */
  readonly maxAgeMs?: number;
}

/** A router that can pin clients to a version with a cookie. */
export interface StickyRouter extends Router {
  /** Turns cookie stickiness on (or off with null). Header routes still win over the cookie. */
  setStickiness(stickiness: Stickiness | null): Promise<void>;
}

/** Whether a router supports cookie stickiness. */
export function isStickyRouter(router: Router): router is StickyRouter {
  return typeof (router as Partial<StickyRouter>).setStickiness === "function";
}
