import { CALL_SITE, JOB, OUTPUT_JOB, captureCallSite } from "./brand.ts";
import type { ConditionLike } from "./condition.ts";
import type { Deployment } from "./deploy.ts";
import { outputRef, type Output, type OutputRef } from "./output.ts";
import type { RetryOptions } from "./retry.ts";
import type { Env, Secret } from "./secret.ts";
import type { StepLike } from "./step.ts";
import type { Duration, MatrixValue } from "./types.ts";

/** Matrix axes plus optional `include` / `exclude` lists, as in GitHub Actions. */
export type MatrixInput = {
  readonly [axis: string]: readonly MatrixValue[] | readonly Readonly<Record<string, MatrixValue>>[] | undefined;
} & {
  readonly include?: readonly Readonly<Record<string, MatrixValue>>[];
  readonly exclude?: readonly Readonly<Record<string, MatrixValue>>[];
};
type Axes<M> = Omit<M, "include" | "exclude">;
type ElementOf<T> = T extends readonly (infer E)[] ? E : never;
/** The values one expansion sees, with their literal types: `{ node: "20" | "22" }`. */
export type MatrixOf<M> = { readonly [K in keyof Axes<M>]: ElementOf<Axes<M>[K]> };

/** What per-expansion functions receive. */
export interface JobContext<M> {
  readonly matrix: MatrixOf<M>;
}
/** A value, or for matrix jobs a function of the expansion's matrix values. */
export type PerExpansion<T, M> = T | ((context: JobContext<M>) => T);

export interface ServiceOptions {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly env?: Env;
  /** Run inside the service until it exits 0 before the job's steps start. */
  readonly readyCommand?: readonly string[];
}

export type CacheKeyPart = string | { readonly files: readonly string[] };
export interface CacheOptions {
  /** Content that decides the cache: `[files("package-lock.json"), "v1"]`. */
  readonly key: readonly CacheKeyPart[];
  readonly paths: readonly string[];
  /** @default "pull-push" */
  readonly policy?: "pull-push" | "pull" | "push";
}
/** A cache key part: the content of these files. */
export const files = (...patterns: string[]): CacheKeyPart => ({ files: patterns });

/** Report files the job writes: JUnit XML, and coverage as Cobertura XML or lcov. */
export interface ReportOptions {
  readonly junit?: string | readonly string[];
  readonly coverage?: string | readonly string[];
}
/** The metrics reports give: counts of tests, coverage ratios (0..1). */
export type ReportMetric = "tests.total" | "tests.passed" | "tests.failed" | "tests.errors" | "tests.skipped" | "coverage.line" | "coverage.branch" | "coverage.function";
/** A threshold checked after the job's reports; `file`: read the metric (a dotted path) from a JSON file the job wrote. */
export type GateOptions =
  | { readonly metric: ReportMetric; readonly min?: number; readonly max?: number; readonly file?: undefined }
  | { readonly metric: string; readonly file: string; readonly min?: number; readonly max?: number };

export interface JobOptions<M extends MatrixInput, O extends string> {
  readonly needs?: readonly AnyJob[];
  /** Other jobs' outputs, restored into this job's workspace; each adds the dependency edge. */
  readonly inputs?: readonly OutputRef[];
  readonly matrix?: M;
  readonly image?: PerExpansion<string, M>;
  readonly steps?: PerExpansion<readonly StepLike[], M>;
  readonly env?: PerExpansion<Env, M>;
  /** Secrets this job may read, exposed as environment variables of the same name. */
  readonly secrets?: readonly Secret[];
  /** The job's condition; for matrix jobs it may be a function of the expansion: `({ matrix }) => when.changed(\`services/${matrix.service}/**\`)`. */
  readonly if?: PerExpansion<ConditionLike, M>;
  readonly outputs?: { readonly [K in O]: Output };
  readonly services?: readonly ServiceOptions[];
  readonly caches?: readonly CacheOptions[];
  /**
   * The project files the job cache keys this job on, as globs (`["src/**", "package-lock.json"]`):
   * an edit to any other file leaves the job a cache hit. @default every project file
   */
  readonly cacheKey?: { readonly files: readonly string[] };
  /** @default "1h" */
  readonly timeout?: Duration;
  readonly retry?: number | RetryOptions;
  /** A failure of this job does not fail the run. @default false */
  readonly allowFailure?: boolean;
  /** @default "." */
  readonly workingDirectory?: string;
  readonly resources?: { readonly cpus?: number; readonly memory?: string | number; readonly pids?: number };
  /** @default "none" */
  readonly network?: "none" | "host";
  /**
   * Who the steps run as under Docker: the uid:gid of whoever runs pipec (files they write are
   * yours), `"root"` (to install system packages), or the image's own USER. @default "invoker"
   */
  readonly user?: "invoker" | "root" | "image";
  /** Test and coverage reports, parsed after the job and shown in the summary: `{ junit: "reports/*.xml", coverage: "coverage/cobertura.xml" }`. */
  readonly reports?: ReportOptions;
  /** Quality gates: `[{ metric: "coverage.line", min: 0.8 }, { metric: "tests.failed", max: 0 }]`; one that fails fails the job. */
  readonly gates?: readonly GateOptions[];
  /**
   * A manual job: the run waits before it starts until `pipec approve RUN NAME` (other jobs go on
   * meanwhile). `name` defaults to the job's id; at `timeout` (default: none), `onTimeout: "abort"`
   * (the default) fails the job and `"promote"` runs it, as a deployment's approval step does.
   */
  readonly approval?: ApprovalOptions;
}

/** `approval: { name: "release", timeout: "1h", onTimeout: "abort" }` on a job. */
export interface ApprovalOptions {
  readonly name?: string;
  readonly timeout?: Duration;
  /** @default "abort" */
  readonly onTimeout?: "abort" | "promote";
}

export interface Job<N extends string = string, O extends string = string, M extends MatrixInput = MatrixInput> {
  readonly [JOB]: true;
  readonly [CALL_SITE]: string[];
  readonly name: N;
  readonly options: JobOptions<M, O>;
  readonly outputs: { readonly [K in O]: OutputRef<N, K> };
  readonly deployment: Deployment | null;
}
// biome-ignore lint: any job, whatever its outputs and matrix
export type AnyJob = Job<string, any, any>;

export function job<const N extends string, const M extends MatrixInput = {}, const O extends string = never>(
  name: N,
  options: JobOptions<M, O>,
): Job<N, O, M> {
  return makeJob(name, options, null, captureCallSite(job));
}

export function makeJob<N extends string, O extends string, M extends MatrixInput>(
  name: N,
  options: JobOptions<M, O>,
  deployment: Deployment | null,
  callSite: string[],
): Job<N, O, M> {
  const outputs = Object.fromEntries(Object.keys(options.outputs ?? {}).map((key) => [key, outputRef(name, key)]));
  const made: Job<N, O, M> = { [JOB]: true, [CALL_SITE]: callSite, name, options, outputs: outputs as Job<N, O, M>["outputs"], deployment };
  for (const ref of Object.values(outputs)) Object.defineProperty(ref, OUTPUT_JOB, { value: made, enumerable: false });
  return made;
}
