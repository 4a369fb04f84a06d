/**
 * The steps case's guard: on top of guardRun (the run and its one job ran, no cache hit), every one
 * of the job's steps started and finished with status success, once. Pure.
 */
import { guardRun, readEvents } from "./run-guard.ts";
import { VALID, invalid, type Verdict } from "./verdict.ts";

export function guardSteps(stdout: string, job: string, steps: number): Verdict {
  const run = guardRun(stdout, { jobs: [job], cache: "ran" });
  if (!run.valid) return run;
  const finished = readEvents(stdout).filter((event) => event.type === "step.finished" && event.job === job);
  const succeeded = new Set(finished.filter((event) => event.status === "success").map((event) => (event as { step?: unknown }).step));
  if (finished.length !== steps || succeeded.size !== steps) {
    return invalid(`${succeeded.size} of ${steps} steps of ${job} finished with success (${finished.length} step.finished events)`);
  }
  return VALID;
}
