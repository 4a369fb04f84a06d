/**
 * Errors thrown by the Docker adapter. Each has a stable `code` (callers switch on it, never on the
 * message) and keeps the underlying dockerode / socket error as `cause`.
 */
import { PipecError } from "../errors.ts";

export const DOCKER_ERROR_CODES = {
  engineUnavailable: "DOCKER_ENGINE_UNAVAILABLE",
  imagePull: "DOCKER_IMAGE_PULL_FAILED",
  container: "DOCKER_CONTAINER_FAILED",
  request: "DOCKER_REQUEST_FAILED",
} as const;

export type DockerErrorCode = (typeof DOCKER_ERROR_CODES)[keyof typeof DOCKER_ERROR_CODES];

/** Base class: a Docker engine request that failed for a reason none of the subclasses names. */
export class DockerError extends PipecError {
  override readonly name: string = "DockerError";
  readonly code: DockerErrorCode;

  constructor(message: string, options: { code?: DockerErrorCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? DOCKER_ERROR_CODES.request;
  }
}

/** The engine could not be reached at all (no socket, refused, permission denied, no answer). */
export class EngineUnavailableError extends DockerError {
  override readonly name = "EngineUnavailableError";
  override readonly code = DOCKER_ERROR_CODES.engineUnavailable;

  constructor(
    /** Where we tried: a socket path or the DOCKER_HOST value. */
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(
      `Docker engine not reachable at ${endpoint}: ${describeCause(cause)}. Start it, or run with --executor local`,
      { cause },
    );
  }
}

/** `pullImage` failed: unknown image, no registry, denied, or the pull stream reported an error. */
export class ImagePullError extends DockerError {
  override readonly name = "ImagePullError";
  override readonly code = DOCKER_ERROR_CODES.imagePull;

  constructor(
    readonly image: string,
    cause: unknown,
  ) {
    super(
      `Could not pull image "${image}": ${describeCause(cause)}. ` +
        "Check the name and that its registry is reachable, or build or load the image locally first",
      { cause },
    );
  }
}

/** The step of a container's life that failed. */
export type ContainerPhase = "create" | "attach" | "start" | "wait" | "inspect" | "stop" | "remove" | "exec" | "logs";

/** Creating, starting, waiting for, stopping or removing a container failed. */
export class ContainerError extends DockerError {
  override readonly name = "ContainerError";
  override readonly code = DOCKER_ERROR_CODES.container;

  constructor(
    readonly phase: ContainerPhase,
    /** The image the container runs, for the message. */
    readonly image: string,
    /** Null when the container was never created. */
    readonly containerId: string | null,
    cause: unknown,
  ) {
    const which = containerId ? `container ${containerId.slice(0, 12)} (${image})` : `a container from "${image}"`;
    super(`Could not ${phase} ${which}: ${describeCause(cause)}`, { cause });
  }
}

/**
 * The most useful one-line text of an error from dockerode or a socket. The engine's own message
 * (`json.message`) is preferred over dockerode's "(HTTP code 404) no such container - ..." wrapper.
 */
export function describeCause(cause: unknown): string {
  if (cause === null || cause === undefined) return "unknown error";
  if (typeof cause === "string") return cause.trim();
  if (typeof cause === "object") {
    const json = (cause as { json?: unknown }).json;
    if (json && typeof json === "object" && typeof (json as { message?: unknown }).message === "string") {
      return (json as { message: string }).message.trim();
    }
    if (typeof json === "string" && json.trim() !== "") return json.trim();
    const message = (cause as { message?: unknown }).message;
    if (typeof message === "string" && message.trim() !== "") return message.trim();
  }
  return String(cause);
}
