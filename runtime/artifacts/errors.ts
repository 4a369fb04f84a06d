/**
 * Errors thrown by the artifact store. Each has a stable `code` (callers switch on it, never on the
 * message) and a message that says which artifact, what is wrong and what to do next. An output
 * that matched nothing is not an error: `collect` returns it as data (`{ kind: "missing" }`).
 */
import { PipecError } from "../errors.ts";
import { formatBytes } from "./format.ts";

export const ARTIFACT_ERROR_CODES = {
  notFound: "ARTIFACT_NOT_FOUND",
  ambiguous: "ARTIFACT_AMBIGUOUS",
  integrity: "ARTIFACT_INTEGRITY",
  unsafePath: "ARTIFACT_UNSAFE_PATH",
  changed: "ARTIFACT_CHANGED_WHILE_COLLECTING",
  tooLarge: "ARTIFACT_TOO_LARGE",
  busy: "ARTIFACT_STORE_BUSY",
  store: "ARTIFACT_STORE_FAILED",
  snapshot: "PROJECT_SNAPSHOT_FAILED",
} as const;

export type ArtifactErrorCode = (typeof ARTIFACT_ERROR_CODES)[keyof typeof ARTIFACT_ERROR_CODES];

export class ArtifactError extends PipecError {
  override readonly name: string = "ArtifactError";
  readonly code: ArtifactErrorCode;

  constructor(message: string, options: { code?: ArtifactErrorCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? ARTIFACT_ERROR_CODES.store;
  }
}

/** No artifact has this id, id prefix or name. */
export class ArtifactNotFoundError extends ArtifactError {
  override readonly name = "ArtifactNotFoundError";
  override readonly code = ARTIFACT_ERROR_CODES.notFound;

  constructor(
    readonly ref: string,
    readonly storeRoot: string,
  ) {
    super(`no artifact ${ref} in ${storeRoot}; pipec artifacts ls lists them`);
  }
}

/** An id prefix that names more than one artifact. */
export class ArtifactAmbiguousError extends ArtifactError {
  override readonly name = "ArtifactAmbiguousError";
  override readonly code = ARTIFACT_ERROR_CODES.ambiguous;

  constructor(
    readonly ref: string,
    readonly candidates: readonly string[],
  ) {
    super(`${ref} names ${candidates.length} artifacts (${candidates.map((id) => id.slice(0, 12)).join(", ")}); give more of the id`);
  }
}

/**
 * Stored bytes that are not what the manifest says: a corrupt or missing object, or a manifest that
 * does not match its record. Fails the consuming job; the producing job has to run again.
 */
export class ArtifactIntegrityError extends ArtifactError {
  override readonly name = "ArtifactIntegrityError";
  override readonly code = ARTIFACT_ERROR_CODES.integrity;

  constructor(
    readonly detail: {
      /** `job.output` of the artifact, e.g. `build.dist`. */
      readonly artifact: string;
      readonly id: string;
      /** The file inside the artifact, or `(manifest)`. */
      readonly path: string;
      readonly expected: string;
      /** The sha256 found, `missing` when the object is gone, or what is there instead (`a FIFO, not a regular file`). */
      readonly actual: string;
      readonly expectedSize?: number;
      readonly actualSize?: number;
    },
  ) {
    const size = detail.expectedSize !== undefined && detail.actualSize !== undefined && detail.expectedSize !== detail.actualSize ? ` (${detail.actualSize} bytes instead of ${detail.expectedSize})` : "";
    const found = detail.actual === "missing" ? "the stored object is missing" : /^[0-9a-f]{64}$/.test(detail.actual) ? `got sha256 ${detail.actual}${size}` : `the stored object is ${detail.actual}`;
    super(
      `artifact ${detail.artifact} (${detail.id.slice(0, 12)}) failed its integrity check: ${detail.path}: expected sha256 ${detail.expected}, ${found}. ` +
        "pipec artifacts verify lists every damaged artifact; run the job that produced it again to replace it",
    );
  }
}

/** A pattern, symlink or manifest path that would read or write outside the workspace. */
export class ArtifactUnsafePathError extends ArtifactError {
  override readonly name = "ArtifactUnsafePathError";
  override readonly code = ARTIFACT_ERROR_CODES.unsafePath;

  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A file whose size changed while it was being stored (something still writes to it). */
export class ArtifactChangedError extends ArtifactError {
  override readonly name = "ArtifactChangedError";
  override readonly code = ARTIFACT_ERROR_CODES.changed;

  constructor(
    readonly path: string,
    expectedSize: number,
    actualSize: number,
  ) {
    super(`${path} changed while it was being collected (${expectedSize} bytes when opened, ${actualSize} read); is a process still writing to it?`);
  }
}

/** An output over its size limit: nothing of it is recorded (objects already copied are left to gc). */
export class ArtifactTooLargeError extends ArtifactError {
  override readonly name = "ArtifactTooLargeError";
  override readonly code = ARTIFACT_ERROR_CODES.tooLarge;

  constructor(
    readonly output: string,
    readonly limitBytes: number,
    /** The file that took the output over the limit. */
    readonly path: string,
  ) {
    super(`output ${output} holds more than ${formatBytes(limitBytes)} (over the limit at ${path})`);
  }
}

/** Another process holds the store's gc lock. */
export class ArtifactStoreBusyError extends ArtifactError {
  override readonly name = "ArtifactStoreBusyError";
  override readonly code = ARTIFACT_ERROR_CODES.busy;

  constructor(message: string) {
    super(message);
  }
}
