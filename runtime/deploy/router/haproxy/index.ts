export { createHaproxyRouter, type HaproxyRouterOptions } from "./create-haproxy-router.ts";
export { resolveHaproxyBinary } from "./haproxy-process.ts";
