export { createHaproxyRouter, type HaproxyRouterOptions } from "./create-haproxy-router.ts";
