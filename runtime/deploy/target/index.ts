/**
 * Target drivers: start and stop instances of a deployment's versions on 127.0.0.1 ports, as
 * containers (docker) or host processes (process). Both implement `TargetDriver` plus `status`.
 */
export { createDockerTargetDriver } from "./docker-driver.ts";
export { createProcessTargetDriver, type ProcessDriverOptions } from "./process-driver.ts";
export { allocatePort, createPortAllocator, releasePort, type PortAllocator, type PortAllocatorOptions } from "./port-allocator.ts";
export {
  NoFreePortError,
  TARGET_ERROR_CODES,
  TargetError,
  TargetExitedError,
  TargetImageMissingError,
  TargetSpawnError,
  TargetUnknownInstanceError,
  type InstanceRef,
  type TargetErrorCode,
} from "./errors.ts";
export type { DockerTarget, DriverOptions, InstanceStatus, ObservableTargetDriver, ProcessTarget, StartRequest } from "./types.ts";
