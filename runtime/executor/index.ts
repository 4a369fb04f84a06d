/** Executors: how one attempt of one job runs, in containers (`docker`) or as host processes (`local`). */
export { createDockerExecutor, CONTAINER_WORKSPACE, type DockerExecutorOptions } from "./docker-executor.ts";
export { createLocalExecutor } from "./local-executor.ts";
export type { PullPolicy } from "./image-resolver.ts";
export type {
  Executor,
  JobExecution,
  JobOutcome,
  LogStream,
  ResolvedService,
  ResolvedStep,
  StepEvent,
} from "./types.ts";
