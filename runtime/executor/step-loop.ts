/**
 * The step semantics both executors share: steps run in order; `shouldRun` decides each one, told
 * whether an earlier step has failed; a failure ends the job's normal path unless the step has
 * `continueOnFailure` (later steps still get `shouldRun(true)`, for `always()` / `failure()` steps);
 * step timeouts and the job's abort stop the running step; step retries re-run it. Executors only
 * say how one attempt of one step runs.
 */
import type { JobExecution, JobOutcome, ResolvedStep } from "./types.ts";
import { exitMessage, formatDuration } from "./step-messages.ts";

/** How one attempt ended, as the executor saw it. */
export type StepAttemptResult =
  /** The process or container exited; `reason` explains a non-zero code when the executor knows more (OOM). */
  | { readonly kind: "exited"; readonly exitCode: number; readonly reason?: string }
  /** The executor stopped it because the attempt's signal was aborted. */
  | { readonly kind: "stopped" }
  /** It could not start for a reason in the job's hands (no such working directory, no image): not retried. */
  | { readonly kind: "not-run"; readonly message: string }
  /** The machinery failed (engine gone, container lost, image unavailable); `permanent`: trying again cannot help. */
  | { readonly kind: "infrastructure"; readonly message: string; readonly permanent?: boolean };

/**
 * Runs one attempt. `signal` aborts on the step's timeout (reason `STEP_TIMEOUT`) or the job's abort
 * (the job signal's reason): the runner then stops the step (SIGTERM, grace, SIGKILL) and resolves.
 */
export type RunStepAttempt = (step: ResolvedStep, signal: AbortSignal) => Promise<StepAttemptResult>;

export const STEP_TIMEOUT = "step-timeout";

/** The exit code reported for a step that never ran (a failed outcome needs one). */
export const NOT_RUN_EXIT_CODE = 1;

export async function runSteps(execution: JobExecution, runAttempt: RunStepAttempt): Promise<JobOutcome> {
  let failure: JobOutcome | null = null;
  for (const step of execution.steps) {
    if (execution.signal.aborted) return abortOutcome(execution.signal, null);
    if (!step.shouldRun(failure !== null)) {
      execution.onStep({ type: "skipped", step: step.index });
      continue;
    }
    const end = await runStep(execution, step, runAttempt);
    if (end.kind === "stop-job") return end.outcome;
    if (end.kind === "failed" && !step.continueOnFailure) failure ??= end.outcome;
  }
  return failure ?? { outcome: "success" };
}

/** How a step ended, after its retries: a failure the job may go on after, or one that ends the job at once. */
type StepEnd =
  | { readonly kind: "success" }
  | { readonly kind: "failed"; readonly outcome: JobOutcome }
  | { readonly kind: "stop-job"; readonly outcome: JobOutcome };

async function runStep(execution: JobExecution, step: ResolvedStep, runAttempt: RunStepAttempt): Promise<StepEnd> {
  for (let attempt = 1; ; attempt++) {
    execution.onStep({ type: "started", step: step.index, attempt });
    const started = performance.now();
    const { result, signal } = await withStepSignal(execution.signal, step.timeoutMs, (stepSignal) => runAttempt(step, stepSignal));
    const durationMs = Math.round(performance.now() - started);
    const finished = (status: "success" | "failed" | "timed-out" | "cancelled", exitCode: number | null) =>
      execution.onStep({ type: "finished", step: step.index, attempt, status, exitCode, durationMs });

    if (result.kind === "exited" && result.exitCode === 0) {
      finished("success", 0);
      return { kind: "success" };
    }
    if (execution.signal.aborted) {
      const outcome = abortOutcome(execution.signal, step);
      finished(outcome.outcome === "cancelled" ? "cancelled" : "timed-out", exitCodeOf(result));
      return { kind: "stop-job", outcome };
    }
    let outcome: JobOutcome;
    let retryClass: "exit-code" | "timeout" | "infrastructure" | null;
    if (signal.aborted || result.kind === "stopped") {
      finished("timed-out", exitCodeOf(result));
      const after = step.timeoutMs === null ? "" : ` after ${formatDuration(step.timeoutMs)}`;
      outcome = { outcome: "timed-out", step: step.index, message: `step "${step.name}" timed out${after}${attemptsNote(attempt)}` };
      retryClass = "timeout";
    } else if (result.kind === "exited") {
      finished("failed", result.exitCode);
      const message = exitMessage(step.name, result.exitCode, result.reason ?? null, attempt);
      outcome = { outcome: "failed", exitCode: result.exitCode, step: step.index, message };
      retryClass = "exit-code";
    } else if (result.kind === "not-run") {
      finished("failed", null);
      outcome = { outcome: "failed", exitCode: NOT_RUN_EXIT_CODE, step: step.index, message: result.message };
      retryClass = null;
    } else {
      finished("failed", null);
      const message = `step "${step.name}": ${result.message}`;
      outcome = result.permanent === true ? { outcome: "infrastructure-error", message, permanent: true } : { outcome: "infrastructure-error", message };
      retryClass = result.permanent === true ? null : "infrastructure";
    }
    if (retryClass === null || attempt > step.retries || !step.retryOn.includes(retryClass)) {
      // The machinery failing is not the job's failure: no later step can run on it either.
      return { kind: outcome.outcome === "infrastructure-error" ? "stop-job" : "failed", outcome };
    }
  }
}

function attemptsNote(attempts: number): string {
  return attempts > 1 ? ` (${attempts} attempts)` : "";
}

function exitCodeOf(result: StepAttemptResult): number | null {
  return result.kind === "exited" ? result.exitCode : null;
}

/** The outcome of a job whose signal was aborted: reason "timeout" is the job's deadline, anything else a cancel. */
export function abortOutcome(signal: AbortSignal, step: ResolvedStep | null): JobOutcome {
  const during = step ? ` during step "${step.name}"` : "";
  if (signal.reason === "timeout") return { outcome: "timed-out", step: step?.index ?? null, message: `job timed out${during}` };
  return { outcome: "cancelled", message: `job cancelled${during}` };
}

/** Runs `body` with a signal that aborts on the job's abort or after `timeoutMs`; reports whether it did. */
async function withStepSignal<T>(
  jobSignal: AbortSignal,
  timeoutMs: number | null,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; signal: AbortSignal }> {
  const controller = new AbortController();
  const onJobAbort = () => controller.abort(jobSignal.reason);
  jobSignal.addEventListener("abort", onJobAbort, { once: true });
  if (jobSignal.aborted) onJobAbort();
  const timer = timeoutMs === null ? undefined : setTimeout(() => controller.abort(STEP_TIMEOUT), timeoutMs);
  try {
    return { result: await body(controller.signal), signal: controller.signal };
  } finally {
    clearTimeout(timer);
    jobSignal.removeEventListener("abort", onJobAbort);
  }
}
