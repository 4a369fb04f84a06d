import { CALL_SITE, STEP, captureCallSite } from "./brand.ts";
import type { ConditionLike } from "./condition.ts";
import type { RetryOptions } from "./retry.ts";
import type { Env } from "./secret.ts";
import type { Duration } from "./types.ts";

export interface StepOptions {
  /** Shown in logs. @default the first line of the script */
  readonly name?: string;
  /** Shell script run by `sh -e`; an array is joined with newlines. */
  readonly run: string | readonly string[];
  /** Runs this step in another image than the job's. */
  readonly image?: string;
  readonly env?: Env;
  readonly if?: ConditionLike;
  readonly timeout?: Duration;
  readonly retry?: number | RetryOptions;
  /** A failure of this step does not stop the job. @default false */
  readonly continueOnFailure?: boolean;
  readonly workingDirectory?: string;
}

export interface Step extends StepOptions {
  readonly [STEP]: true;
  readonly [CALL_SITE]: string[];
}

/** A step: `step("npm test")`, `step("test", "npm test")` or `step({ name, run, timeout, ... })`. */
export function step(script: string | StepOptions): Step;
export function step(name: string, script: string | readonly string[], options?: Omit<StepOptions, "name" | "run">): Step;
export function step(first: string | StepOptions, script?: string | readonly string[], options: Omit<StepOptions, "name" | "run"> = {}): Step {
  const spec: StepOptions = typeof first !== "string" ? first : script === undefined ? { run: first } : { ...options, name: first, run: script };
  return { [STEP]: true, [CALL_SITE]: captureCallSite(step), ...spec };
}

/** What a job's `steps` list accepts: `step(...)`, a plain step object, or a script string. */
export type StepLike = Step | StepOptions | string;
