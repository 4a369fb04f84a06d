import type { Duration } from "./types.ts";

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly max: number;
  /** Which failures are retried. @default ["exit-code", "timeout", "infrastructure"] */
  readonly on?: readonly ("exit-code" | "timeout" | "infrastructure")[];
  /** Only these exit codes are retried. @default any non-zero */
  readonly exitCodes?: readonly number[];
  readonly backoff?: { readonly initial?: Duration; readonly factor?: number; readonly max?: Duration; readonly jitter?: boolean };
}
