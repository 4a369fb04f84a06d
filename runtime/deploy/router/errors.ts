/**
 * Errors thrown by the routers. Each has a stable `code` (callers switch on it, never on the
 * message) and keeps the underlying error as `cause`.
 */
import { PipecError } from "../../errors.ts";

export const ROUTER_ERROR_CODES = {
  invalidWeights: "ROUTER_INVALID_WEIGHTS",
  invalidListen: "ROUTER_INVALID_LISTEN",
  invalidRoute: "ROUTER_INVALID_ROUTE",
  capacity: "ROUTER_CAPACITY",
  closed: "ROUTER_CLOSED",
  haproxyMissing: "ROUTER_HAPROXY_MISSING",
  haproxyFailed: "ROUTER_HAPROXY_FAILED",
} as const;

export type RouterErrorCode = (typeof ROUTER_ERROR_CODES)[keyof typeof ROUTER_ERROR_CODES];

/** Base class of every router error. */
export class RouterError extends PipecError {
  override readonly name: string = "RouterError";

  constructor(
    readonly code: RouterErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** `setWeights` got percentages that are negative, not finite, or do not sum to 100. */
export class InvalidWeightsError extends RouterError {
  override readonly name = "InvalidWeightsError";

  constructor(
    readonly weights: Readonly<Record<string, number>>,
    reason: string,
  ) {
    super(ROUTER_ERROR_CODES.invalidWeights, `Invalid router weights ${JSON.stringify(weights)}: ${reason}`);
  }
}

/** `listen` is not `127.0.0.1:PORT` (routers bind loopback only). */
export class InvalidListenError extends RouterError {
  override readonly name = "InvalidListenError";

  constructor(readonly listen: string) {
    super(
      ROUTER_ERROR_CODES.invalidListen,
      `Router listen address "${listen}" is not "127.0.0.1:PORT" (PORT 0..65535; 0 picks a free port). Routers bind loopback only`,
    );
  }
}

/** A header route whose regex does not compile, or whose header name is empty. */
export class InvalidRouteError extends RouterError {
  override readonly name = "InvalidRouteError";

  constructor(
    readonly route: string,
    reason: string,
    cause?: unknown,
  ) {
    super(ROUTER_ERROR_CODES.invalidRoute, `Header route "${route}" is invalid: ${reason}`, { cause });
  }
}

/** A fixed-size pool of the router is full (HAProxy's version or instance slots). */
export class RouterCapacityError extends RouterError {
  override readonly name = "RouterCapacityError";

  constructor(message: string) {
    super(ROUTER_ERROR_CODES.capacity, message);
  }
}

/** A method was called after `close()`. */
export class RouterClosedError extends RouterError {
  override readonly name = "RouterClosedError";

  constructor(readonly listen: string) {
    super(ROUTER_ERROR_CODES.closed, `Router on ${listen} is closed`);
  }
}

/** The `haproxy` binary is not installed. */
export class HaproxyMissingError extends RouterError {
  override readonly name = "HaproxyMissingError";

  constructor(
    readonly binary: string,
    cause: unknown,
  ) {
    super(
      ROUTER_ERROR_CODES.haproxyMissing,
      `HAProxy ("${binary}") is not installed or not on PATH. Run \`bash test/setup/haproxy.sh\` ` +
        "(apt-get install haproxy), or use the builtin router",
      { cause },
    );
  }
}

/** HAProxy did not start, died, or refused a runtime API command. */
export class HaproxyError extends RouterError {
  override readonly name = "HaproxyError";

  constructor(message: string, cause?: unknown) {
    super(ROUTER_ERROR_CODES.haproxyFailed, message, { cause });
  }
}
