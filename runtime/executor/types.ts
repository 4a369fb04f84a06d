/**
 * The executor contract: how the run loop asks for one attempt of one job. Executors are small
 * interfaces with a literal `kind` (`docker`, `local`); the run loop never knows which one it has.
 * Everything an executor needs is resolved before the call: env values are final strings (secrets
 * included, so executors never log env), images and paths are substituted.
 */
import type { Job } from "../plan/schema.ts";

export type LogStream = "stdout" | "stderr";

/** One step, ready to run. */
export interface ResolvedStep {
  readonly index: number;
  readonly name: string;
  /** The script, run as `sh -e -c <run>`. */
  readonly run: string;
  /** The step's own image, or null for the job's. */
  readonly image: string | null;
  /** The full environment of this step: system, pipeline, job and step variables, secrets, resolved. */
  readonly env: Readonly<Record<string, string>>;
  /** Relative to the workspace root; "." for the root. */
  readonly workingDirectory: string;
  readonly timeoutMs: number | null;
  readonly continueOnFailure: boolean;
  /** Step-level retries (0 = none), for failures of the classes in `retryOn`. */
  readonly retries: number;
  readonly retryOn: readonly ("exit-code" | "timeout" | "infrastructure")[];
  /** Whether the step runs, given whether an earlier step of this job has failed (its `if`, evaluated). */
  shouldRun(anEarlierStepFailed: boolean): boolean;
}

export interface ResolvedService {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly env: Readonly<Record<string, string>>;
  readonly readyCommand: readonly string[] | null;
}

export interface JobExecution {
  readonly runId: string;
  readonly pipeline: string;
  readonly jobId: string;
  readonly job: Job;
  readonly attempt: number;
  /** The job's image, resolved; null only when every step has its own. */
  readonly image: string | null;
  readonly steps: readonly ResolvedStep[];
  readonly services: readonly ResolvedService[];
  /** Absolute host directory holding the job's workspace: the project's files plus restored inputs. */
  readonly workspace: string;
  /** Aborted with reason "timeout" (job deadline) or "cancel" (fail-fast, Ctrl-C, pipeline timeout). */
  readonly signal: AbortSignal;
  /** SIGTERM-to-SIGKILL grace on abort. */
  readonly stopGraceMs: number;
  /** Output as it arrives, never buffered whole. Secrets are masked by the caller. */
  onLog(stream: LogStream, chunk: Buffer, step: number): void;
  /** Step lifecycle, for logs, events and the progress view. */
  onStep(event: StepEvent): void;
  /**
   * When given, the executor hands over the removal of what the job leaves (its containers, its
   * home folder) instead of awaiting it: `runJob` resolves once the job's steps are over and nothing
   * writes its workspace any more, and the caller awaits the promise (it never rejects) before its
   * run ends. A pipec that exits meanwhile still removes the containers (by label, on its way out).
   */
  deferCleanup?(cleanup: Promise<void>): void;
}

export type StepEvent =
  | { readonly type: "started"; readonly step: number; readonly attempt: number }
  | { readonly type: "finished"; readonly step: number; readonly attempt: number; readonly status: "success" | "failed" | "timed-out" | "cancelled"; readonly exitCode: number | null; readonly durationMs: number }
  | { readonly type: "skipped"; readonly step: number };

export type JobOutcome =
  | { readonly outcome: "success" }
  | { readonly outcome: "failed"; readonly exitCode: number; readonly step: number; readonly message: string }
  | { readonly outcome: "timed-out"; readonly step: number | null; readonly message: string }
  | { readonly outcome: "cancelled"; readonly message: string }
  /**
   * The machinery failed, not the job: engine gone, image missing, container lost. Retryable as
   * `infrastructure`, unless `permanent`: trying again cannot help (an image that does not exist).
   */
  | { readonly outcome: "infrastructure-error"; readonly message: string; readonly permanent?: boolean };

export interface Executor {
  readonly kind: "docker" | "local";
  /** Runs one attempt of one job to its end; never throws for the job's own failures. */
  runJob(execution: JobExecution): Promise<JobOutcome>;
  /** Removes whatever a run (or an earlier crashed run) left behind: containers, processes. */
  cleanup(runId?: string): Promise<number>;
  /**
   * What an image reference runs, for the job cache: the image id for docker (so a re-tagged image is a
   * change), a fixed value for local. Null when the image is not present (the job cannot be cached).
   */
  identifyImage(image: string): Promise<string | null>;
  /**
   * `HOME` and `PATH` as a process in this image starts with (image-environment.ts), for env templates
   * such as `PATH: "${PATH}:/opt/bin"`. Absent for local jobs, which read the host's. `as`: who the
   * process is, the job's steps (its `user`) or a service (the image's own user). @default "steps"
   */
  imageEnvironment?(image: string, runId: string, job: Job, as?: "steps" | "service"): Promise<Readonly<Record<string, string>>>;
  /** What this executor does not enforce for these jobs (by id), said once per run before the first job (asked while the run takes its snapshot). */
  notices?(jobs: ReadonlyMap<string, Job>): Promise<string[]>;
}
