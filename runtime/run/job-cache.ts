/**
 * The job cache: a job whose result is determined by the same inputs as an earlier successful run is
 * not run again; its outputs are restored instead. The key is the sha256 of what determines the
 * result: the images (by image id, not tag), the steps, the environment, the content of the artifacts
 * it takes, the project files it can read (all of the run's snapshot, or those `cacheKey.files`
 * matches), and the outputs it declares. Only the variables the job can read take part (see
 * job-references.ts): a `--var` or pipeline variable no step mentions never makes it a miss. An environment value
 * that holds a secret takes part as a digest keyed by the store's own key, never as its value (nor as
 * a plain hash, which a short secret would give away to guessing).
 *
 * Not cached: deployment jobs (they act on the world). Jobs on the host network are cached like any
 * other (a package install is keyed by the lock file in the project snapshot, as GitHub Actions' and
 * Turborepo's caches are); a job that reads something else from the network runs with --no-cache.
 */
import { createHash } from "node:crypto";
import type { ArtifactStore } from "../artifacts/index.ts";
import type { Executor, ResolvedStep } from "../executor/types.ts";
import type { Job, Plan } from "../plan/schema.ts";
import type { ArtifactIndex } from "./job-artifacts.ts";
import { IMPLICIT_HOST_NAMES, referencedNames } from "./job-references.ts";
import type { Masker } from "./mask.ts";

const FORMAT = "job-cache-v2";
/** Per-run values that must not make every run a miss. */
const VOLATILE = new Set(["PIPEC_RUN_ID", "PIPEC_WORKSPACE"]);

export type CacheKeyParts = Readonly<Record<string, string>>;

/**
 * A deployment is never cached, nor is a job after one (a smoke test, a load check): what such a job
 * reads is the live deployment, which its cache key cannot see.
 */
export function isCacheable(plan: Plan, jobId: string): boolean {
  let answers = cacheable.get(plan);
  if (!answers) cacheable.set(plan, (answers = cacheableJobs(plan)));
  return answers.get(jobId) ?? true;
}

/** Per plan, found once: every attempt of every job asks, and walking ancestors per ask is quadratic on a long chain. */
const cacheable = new WeakMap<Plan, Map<string, boolean>>();

/** Whether each job is cacheable: no deployment in it or among its ancestors (iterative, in post-order, so a 10,000-job chain needs no deep stack). */
function cacheableJobs(plan: Plan): Map<string, boolean> {
  const answers = new Map<string, boolean>();
  for (const root of Object.keys(plan.jobs)) {
    if (answers.has(root)) continue;
    const stack: { id: string; expanded: boolean }[] = [{ id: root, expanded: false }];
    const onStack = new Set<string>([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const job = plan.jobs[top.id];
      if (!top.expanded) {
        top.expanded = true;
        for (const need of job?.needs ?? []) {
          if (answers.has(need) || onStack.has(need) || plan.jobs[need] === undefined) continue;
          onStack.add(need);
          stack.push({ id: need, expanded: false });
        }
        continue;
      }
      stack.pop();
      onStack.delete(top.id);
      answers.set(top.id, job !== undefined && job.deploy === null && (job.needs ?? []).every((need) => answers.get(need) ?? true));
    }
  }
  return answers;
}

export async function jobCacheParts(input: {
  readonly job: Job;
  readonly image: string | null;
  readonly steps: readonly ResolvedStep[];
  readonly executor: Executor;
  readonly store: ArtifactStore;
  readonly produced: ArtifactIndex;
  /** The digest of the project files the job's key takes (RunWorkspace.filesDigest). */
  readonly filesDigest: string;
  readonly masker: Masker;
  /** Local jobs: the host variables every command reads (PATH, HOME, ...) count too. */
  readonly host: boolean;
}): Promise<CacheKeyParts | null> {
  const { job, steps } = input;
  const referenced = referencedNames(job);
  const counts = (name: string) => referenced.has(name) || (input.host && IMPLICIT_HOST_NAMES.has(name));
  const images = [...new Set([input.image, ...steps.map((s) => s.image), ...job.services.map((s) => s.image)].filter((i): i is string => i !== null))].sort();
  const parts: Record<string, string> = { format: FORMAT, files: input.filesDigest };
  for (const image of images) {
    const id = await input.executor.identifyImage(image);
    if (id === null) return null;
    parts[`image ${image}`] = id;
  }
  parts.steps = digest(steps.map((s) => [s.name, s.run, s.image, s.workingDirectory, s.timeoutMs, s.continueOnFailure, s.retries]));
  parts.outputs = digest(job.outputs);
  parts.services = digest(job.services.map((s) => [s.name, s.image, s.command, s.readyCommand]));
  // A hit tells the run the reports and gate results recorded with it: other reports or gates read anew.
  if (job.reports !== null || job.gates.length > 0) parts.reports = digest([job.reports, job.gates]);
  for (const step of steps) {
    for (const [name, value] of Object.entries(step.env)) {
      if (VOLATILE.has(name) || !counts(name)) continue;
      parts[`env ${name}`] = input.masker.contains(value) ? await input.store.keyedDigest(value) : value;
    }
  }
  for (const { job: producer, output, optional } of job.inputs) {
    const id = input.produced.get(producer)?.[output];
    if (!id && optional) {
      // The job ran without it: a later run that has it is a different job run.
      parts[`input ${producer}.${output}`] = "absent";
      continue;
    }
    if (!id) return null;
    parts[`input ${producer}.${output}`] = (await input.store.get(id)).manifest;
  }
  return parts;
}

export function cacheKey(jobId: string, parts: CacheKeyParts): string {
  return `job:${jobId}:${digest(Object.entries(parts).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

/** The key under which the last parts of a job are kept, to say what changed on a miss. */
export const lastPartsKey = (pipeline: string, jobId: string) => `parts:${pipeline}:${jobId}`;

/** Which parts differ between two keys' parts, as people read them: `env NODE_ENV`, `input build.dist`, `files`. */
export function changedParts(previous: CacheKeyParts | null, next: CacheKeyParts): string[] {
  if (previous === null) return ["no earlier run of this job"];
  const names = new Set([...Object.keys(previous), ...Object.keys(next)]);
  return [...names].filter((name) => previous[name] !== next[name]).sort();
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}
