import { OUTPUT, OUTPUT_JOB, OUTPUT_REF } from "./brand.ts";
import type { Duration } from "./types.ts";

export interface OutputOptions {
  /** Paths or globs excluded from the collected files. */
  readonly exclude?: readonly string[];
  /** A missing optional output does not fail the job. @default false */
  readonly optional?: boolean;
  /** How long the stored artifact is kept. @default kept until garbage collection */
  readonly expireIn?: Duration;
}

/** A declared job output: files (paths or globs, relative to the workspace) stored as an artifact. */
export interface Output extends OutputOptions {
  readonly [OUTPUT]: true;
  readonly paths: readonly string[];
}

export function output(paths: string | readonly string[], options: OutputOptions = {}): Output {
  return { [OUTPUT]: true, ...options, paths: typeof paths === "string" ? [paths] : paths };
}

/** A typed reference to another job's output: `build.outputs.dist`. Using it adds the dependency edge. */
export interface OutputRef<JobName extends string = string, Name extends string = string> {
  readonly [OUTPUT_REF]: true;
  readonly job: JobName;
  readonly output: Name;
  /** Set by `input(ref, { optional: true })`. */
  readonly optional?: boolean;
}

export function outputRef<JobName extends string, Name extends string>(job: JobName, name: Name): OutputRef<JobName, Name> {
  return { [OUTPUT_REF]: true, job, output: name };
}

export interface InputOptions {
  /**
   * The job also runs when this output is not there (its job finished without the optional output,
   * failed or was skipped): nothing is restored, and the job's steps check for the files. A damaged
   * artifact still fails the job. @default false
   */
  readonly optional?: boolean;
}

/** An output taken with options: `inputs: [input(test.outputs.report, { optional: true })]`. */
export function input<const R extends OutputRef>(ref: R, options: InputOptions = {}): R {
  const made = { ...ref, ...options };
  // The declaring job rides along unseen, as on the reference itself (using the input includes the job).
  Object.defineProperty(made, OUTPUT_JOB, { value: (ref as unknown as Record<symbol, unknown>)[OUTPUT_JOB], enumerable: false });
  return made;
}
