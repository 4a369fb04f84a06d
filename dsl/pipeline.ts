import { CALL_SITE, PIPELINE, captureCallSite } from "./brand.ts";
import type { AnyJob } from "./job.ts";
import type { Env, Secret } from "./secret.ts";
import type { Duration } from "./types.ts";

export interface PipelineOptions<Jobs extends readonly AnyJob[] = readonly AnyJob[]> {
  /** The jobs; jobs they need are included too. */
  readonly jobs: Jobs;
  /** Global environment, for every job. */
  readonly env?: Env;
  /** Run-time variables with defaults, overridden by `pipec run --var NAME=value`. */
  readonly vars?: Readonly<Record<string, string | { readonly default?: string; readonly description?: string }>>;
  /** The image of jobs that name none. */
  readonly image?: string;
  /** Whole-pipeline timeout. @default none (each job has its own) */
  readonly timeout?: Duration;
  /**
   * When the pipeline runs: `{ push: { branches: ["main"] }, pullRequest: {}, tag: "v*", schedule: "0 3 * * *" }`.
   * The targets emit them; `pipec run --event push|pull_request|tag|schedule` skips a pipeline they do
   * not match. @default every event
   */
  readonly on?: TriggerOptions;
  /** HTTP POSTs at the end of a run: `[{ on: ["failure", "recovered"], webhook: secret("SLACK_URL") }]`. Never fails the run. */
  readonly notify?: readonly NotifyOptions[];
}

/** Branch and changed-path filters (globs); absent: any. */
export interface BranchFilter {
  readonly branches?: string | readonly string[];
  readonly paths?: string | readonly string[];
}

export interface TriggerOptions {
  /** A push to a branch; `true`: any branch. */
  readonly push?: BranchFilter | true;
  /** A pull request; `branches` are its target branches. `true`: any. */
  readonly pullRequest?: BranchFilter | true;
  /** A pushed tag matching these globs (`v*`). */
  readonly tag?: string | readonly string[];
  /** Five-field cron expressions, UTC (`0 3 * * *`). */
  readonly schedule?: string | readonly string[];
}

export type NotifyEvent = "success" | "failure" | "cancelled" | "recovered" | "always";

export interface NotifyOptions {
  /** `recovered`: a success after the pipeline's previous run failed. */
  readonly on: readonly NotifyEvent[];
  /** The URL: a secret (`secret("SLACK_URL")`), or text whose `${NAME}` parts are secrets. */
  readonly webhook: string | Secret;
  /** Per attempt. @default "10s" */
  readonly timeout?: Duration;
  /** Attempts after the first (timeouts, network errors, 5xx and 429 answers). @default 2 */
  readonly retries?: number;
}

export interface Pipeline {
  readonly [PIPELINE]: true;
  readonly [CALL_SITE]: string[];
  readonly name: string;
  readonly options: PipelineOptions;
}

/**
 * The pipeline: `export default pipeline("ci", { jobs: [build, test] })`.
 *
 * `Jobs` is a `const` type parameter so that a literal list of jobs is typed as a tuple, element by
 * element. Typed as `readonly AnyJob[]`, TypeScript would reduce the union of every job's own type
 * (each has its literal name), which fails with TS2590 past about 1,100 jobs.
 */
export function pipeline<const Jobs extends readonly AnyJob[]>(name: string, options: PipelineOptions<Jobs>): Pipeline {
  return { [PIPELINE]: true, [CALL_SITE]: captureCallSite(pipeline), name, options };
}
