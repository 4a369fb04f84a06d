/**
 * The root of every error pipec throws on purpose: each module's base (DockerError, ArtifactError,
 * RouterError, TargetError, SchedulerError) extends it and names a stable `code` from its registry,
 * so callers switch on codes, never on messages, and the CLI can tell an expected failure (printed as
 * a message) from a bug (reported as an internal error).
 */
export abstract class PipecError extends Error {
  abstract readonly code: string;
}

export function isPipecError(value: unknown): value is PipecError {
  return value instanceof PipecError;
}
