export { createBuiltinRouter, type BuiltinRouter, type BuiltinRouterOptions } from "./builtin/index.ts";
export { createHaproxyRouter, type HaproxyRouterOptions } from "./haproxy/index.ts";
export {
  HaproxyError,
  HaproxyMissingError,
  InvalidListenError,
  InvalidRouteError,
  InvalidWeightsError,
  RouterCapacityError,
  RouterClosedError,
  RouterError,
  ROUTER_ERROR_CODES,
  type RouterErrorCode,
} from "./errors.ts";
export { isStickyRouter, type Stickiness, type StickyRouter } from "./types.ts";
