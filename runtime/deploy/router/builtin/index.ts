export { createBuiltinRouter, type BuiltinRouter, type BuiltinRouterOptions } from "./create-builtin-router.ts";
export type { MetricsWindowOptions } from "./metrics-window.ts";
export type { UpstreamAgentOptions } from "./version-pool.ts";
