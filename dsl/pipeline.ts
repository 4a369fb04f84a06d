import { CALL_SITE, PIPELINE, captureCallSite } from "./brand.ts";
import type { AnyJob } from "./job.ts";
import type { Env } from "./secret.ts";
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
