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
 * Steps with an image of their own, and services, resolved again on their image's `HOME` and `PATH`
 * (`ask`), as the job's steps are on the job image's: `${PATH}` in a busybox step or a postgres
 * service is that image's, whatever the job's image. `resolveWith` resolves every item (in the same
 * order) on the system variables plus an image's values; items without an image stay as they are.
 */
export async function resolveOnOwnImages<T extends { readonly image: string | null }>(
  items: readonly T[],
  ask: (image: string) => Promise<Readonly<Record<string, string>>>,
  resolveWith: (imageValues: Readonly<Record<string, string>>) => T[],
): Promise<T[]> {
  const byImage = new Map<string, T[]>();
  const resolved: T[] = [];
  for (const [index, item] of items.entries()) {
    if (item.image === null) {
      resolved.push(item);
      continue;
    }
    let again = byImage.get(item.image);
    if (!again) byImage.set(item.image, (again = resolveWith(await ask(item.image))));
    // The image reference stays as first resolved: it names what is asked.
    resolved.push({ ...again[index]!, image: item.image });
  }
  return resolved;
}

export function resolveServices(job: Job, jobId: string, environment: JobEnvironment, values: RunValues): ResolvedService[] {
  return job.services.map((service) => {
    const own = layer(service.env, environment.lookup, values, jobId);
    return { name: service.name, image: substitute(service.image, own.lookup), command: service.command, env: own.env, readyCommand: service.readyCommand };
  });
}
