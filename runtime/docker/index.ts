/**
 * The Docker adapter: the only module that talks to dockerode. The rest of pipec sees plain data
 * (`ContainerSpec`, `RunResult`) and the small `DockerEngine` interface.
 */
export { connectDocker } from "./engine.ts";
export {
  ContainerError,
  DOCKER_ERROR_CODES,
  DockerError,
  EngineUnavailableError,
  ImagePullError,
  describeCause,
  type ContainerPhase,
  type DockerErrorCode,
} from "./errors.ts";
export {
  LABEL_DEPLOYMENT,
  LABEL_JOB,
  LABEL_PROJECT,
  LABEL_RUN_ID,
  LABEL_SERVICE,
  LABEL_VERSION,
  allPipecLabels,
  containerLabels,
  deploymentLabels,
  deploymentSelector,
  projectLabel,
  runLabels,
} from "./labels.ts";
export type {
  AttachIo,
  AttachedContainer,
  BindMount,
  ConnectOptions,
  ContainerSpec,
  DockerEngine,
  ExecResult,
  ExecStreamOptions,
  NetworkMode,
  RunIo,
  RunResult,
  StartedContainer,
} from "./types.ts";
