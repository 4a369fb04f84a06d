/** A plan job's steps and services, resolved for an executor: env layered, templates substituted, conditions bound. */
import { evaluateExpression, isTruthy, parseExpression, usesStatusFunction, type ExpressionContext } from "../plan/expression/index.ts";
import type { Job } from "../plan/schema.ts";
import { substitute } from "../plan/variables.ts";
import type { ResolvedService, ResolvedStep } from "../executor/types.ts";
import { layer, type JobEnvironment, type RunValues } from "./job-env.ts";

export function resolveSteps(
  job: Job,
  jobId: string,
  environment: JobEnvironment,
  values: RunValues,
  baseEnv: Readonly<Record<string, string>>,
  context: Omit<ExpressionContext, "status">,
): ResolvedStep[] {
  return job.steps.map((step, index) => {
    const own = layer(step.env, environment.lookup, values, jobId);
    const condition = step.if === null ? null : parseExpression(step.if);
    return {
      index,
      name: step.name,
      run: step.run,
      image: step.image === null ? null : substitute(step.image, own.lookup),
      env: { ...baseEnv, ...environment.env, ...own.env, ...values.overrides },
      workingDirectory: step.workingDirectory === null ? environment.workingDirectory : substitute(step.workingDirectory, own.lookup),
      timeoutMs: step.timeoutMs,
      continueOnFailure: step.continueOnFailure,
      retries: step.retry?.max ?? 0,
      retryOn: step.retry?.on ?? [],
      shouldRun(anEarlierStepFailed: boolean): boolean {
        if (condition === null) return !anEarlierStepFailed;
        if (!condition.ok) return false;
        // As on GitHub: a condition without always()/success()/failure() implies success() &&.
        if (!usesStatusFunction(condition.expr) && anEarlierStepFailed) return false;
        return isTruthy(evaluateExpression(condition.expr, { ...context, status: { anyFailed: anEarlierStepFailed, cancelled: false } }));
      },
    };
  });
}

/**
 * Steps with an image of their own, resolved again on that image's `HOME` and `PATH` (`ask`), as
 * the job's steps are on the job image's: `${PATH}` in a busybox step is busybox's, whatever the
 * job's image. `resolveWith` resolves every step on the system variables plus an image's values.
 */
export async function resolveOwnImageSteps(
  steps: readonly ResolvedStep[],
  ask: (image: string) => Promise<Readonly<Record<string, string>>>,
  resolveWith: (imageValues: Readonly<Record<string, string>>) => ResolvedStep[],
): Promise<ResolvedStep[]> {
  const byImage = new Map<string, ResolvedStep[]>();
  const resolved: ResolvedStep[] = [];
  for (const step of steps) {
    if (step.image === null) {
      resolved.push(step);
      continue;
    }
    let again = byImage.get(step.image);
    if (!again) byImage.set(step.image, (again = resolveWith(await ask(step.image))));
    // The image reference stays as first resolved: it names what is asked.
    resolved.push({ ...again[step.index]!, image: step.image });
  }
  return resolved;
}

export function resolveServices(job: Job, jobId: string, environment: JobEnvironment, values: RunValues): ResolvedService[] {
  return job.services.map((service) => {
    const own = layer(service.env, environment.lookup, values, jobId);
    return { name: service.name, image: substitute(service.image, own.lookup), command: service.command, env: own.env, readyCommand: service.readyCommand };
  });
}

/**
 * Services resolved again on their own image's `HOME` and `PATH` (`ask`), as steps with their own
 * image are: `${PATH}` in a postgres service is postgres's, whatever the job's image.
 */
export async function resolveServiceImages(
  services: readonly ResolvedService[],
  ask: (image: string) => Promise<Readonly<Record<string, string>>>,
  resolveWith: (imageValues: Readonly<Record<string, string>>) => ResolvedService[],
): Promise<ResolvedService[]> {
  const resolved: ResolvedService[] = [];
  for (const [index, service] of services.entries()) {
    // The image reference stays as first resolved: it names what is asked.
    resolved.push({ ...resolveWith(await ask(service.image))[index]!, image: service.image });
  }
  return resolved;
}
