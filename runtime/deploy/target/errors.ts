/**
 * Errors thrown by the target drivers. Each has a stable `code` (callers switch on it, never on the
 * message) and names the deployment, version and instance it is about.
 */
import { PipecError } from "../../errors.ts";

export const TARGET_ERROR_CODES = {
  imageMissing: "TARGET_IMAGE_MISSING",
  spawnFailed: "TARGET_SPAWN_FAILED",
  exitedEarly: "TARGET_EXITED_EARLY",
  unknownInstance: "TARGET_UNKNOWN_INSTANCE",
  noFreePort: "TARGET_NO_FREE_PORT",
} as const;

export type TargetErrorCode = (typeof TARGET_ERROR_CODES)[keyof typeof TARGET_ERROR_CODES];

/** Which instance a problem is about. */
export interface InstanceRef {
  readonly deployment: string;
  readonly version: string;
  readonly index: number;
}

export class TargetError extends PipecError {
  override readonly name: string = "TargetError";
  readonly code: TargetErrorCode;

  constructor(code: TargetErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

/** A docker target whose image is not on the engine (drivers never pull: no registry is assumed). */
export class TargetImageMissingError extends TargetError {
  override readonly name = "TargetImageMissingError";

  constructor(
    readonly image: string,
    readonly instance: InstanceRef,
  ) {
    super(
      TARGET_ERROR_CODES.imageMissing,
      `${describeInstance(instance)} cannot start: image "${image}" is not on the Docker engine. ` +
        "Build or load it first (`docker images` lists what is there); deployments do not pull images",
    );
  }
}

/** The instance could not be started at all: no such command, a container the engine refused. */
export class TargetSpawnError extends TargetError {
  override readonly name = "TargetSpawnError";

  constructor(
    readonly instance: InstanceRef,
    /** The command, as given (argv). */
    readonly command: readonly string[],
    readonly reason: string,
    cause?: unknown,
  ) {
    super(TARGET_ERROR_CODES.spawnFailed, `${describeInstance(instance)} could not start ${formatCommand(command)}: ${reason}`, { cause });
  }
}

/** The instance stopped during its startup window, before we handed it to the deployment. */
export class TargetExitedError extends TargetError {
  override readonly name = "TargetExitedError";

  constructor(
    readonly instance: InstanceRef,
    readonly command: readonly string[],
    readonly port: number,
    /** Null when it was ended by a signal. */
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The end of its stdout and stderr, interleaved. */
    readonly lastLines: readonly string[],
  ) {
    const how = exitCode !== null ? `with code ${exitCode}` : `on ${signal ?? "an unknown signal"}`;
    const output =
      lastLines.length === 0 ? " It printed nothing." : ` Its last output:\n${lastLines.map((line) => `  | ${line}`).join("\n")}`;
    super(
      TARGET_ERROR_CODES.exitedEarly,
      `${describeInstance(instance)} (${formatCommand(command)}) exited ${how} right after starting, ` +
        `before serving on 127.0.0.1:${port}.${output}`,
    );
  }
}

/** `stop` was given an instance this driver did not start. */
export class TargetUnknownInstanceError extends TargetError {
  override readonly name = "TargetUnknownInstanceError";

  constructor(readonly instanceId: string) {
    super(
      TARGET_ERROR_CODES.unknownInstance,
      `Instance ${instanceId} was not started by this driver; use cleanup(deployment) to remove instances left by another process`,
    );
  }
}

/** `allocatePort` found no free port that is not reserved. */
export class NoFreePortError extends TargetError {
  override readonly name = "NoFreePortError";

  constructor(attempts: number) {
    super(
      TARGET_ERROR_CODES.noFreePort,
      `No free 127.0.0.1 port after ${attempts} attempts: every port the system offered is reserved. Release ports of stopped instances`,
    );
  }
}

export function describeInstance(ref: InstanceRef): string {
  return `Instance ${ref.index} of deployment "${ref.deployment}" version "${ref.version}"`;
}

function formatCommand(command: readonly string[]): string {
  return command.length === 0 ? "the image's command" : JSON.stringify(command.join(" "));
}
