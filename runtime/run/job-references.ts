/**
 * The variables a job can read, for its cache key: the names its own env and its steps' env set, and
 * every name its scripts, templates, images, working directories and conditions mention (`$NAME`,
 * `${NAME}`, `${NAME:-x}`, `env.NAME`, `vars.NAME`). A pipeline variable or `--var` no step mentions
 * does not take part, so changing it leaves the job a hit. Pure and conservative: a name that only
 * appears in a comment still counts.
 */
import type { Job } from "../plan/schema.ts";

const SHELL_NAME = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
const CONTEXT_NAME = /\b(?:env|vars)\.([A-Za-z_][A-Za-z0-9_]*)/g;
/** The host's variables a local job's commands read without naming them (PATH finds every tool). */
export const IMPLICIT_HOST_NAMES: ReadonlySet<string> = new Set(["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ"]);

export function referencedNames(job: Job): Set<string> {
  const names = new Set<string>(Object.keys(job.env));
  const texts: string[] = [job.if, job.workingDirectory];
  if (job.image !== null) texts.push(job.image);
  for (const value of Object.values(job.env)) if (typeof value === "string") texts.push(value);
  for (const step of job.steps) {
    for (const name of Object.keys(step.env)) names.add(name);
    for (const value of Object.values(step.env)) if (typeof value === "string") texts.push(value);
    texts.push(step.run);
    if (step.if !== null) texts.push(step.if);
    if (step.image !== null) texts.push(step.image);
    if (step.workingDirectory !== null) texts.push(step.workingDirectory);
  }
  for (const service of job.services) {
    texts.push(service.image, ...(service.command ?? []), ...(service.readyCommand ?? []));
    for (const value of Object.values(service.env)) if (typeof value === "string") texts.push(value);
  }
  for (const text of texts) {
    for (const match of text.matchAll(SHELL_NAME)) names.add(match[1]!);
    for (const match of text.matchAll(CONTEXT_NAME)) names.add(match[1]!);
  }
  return names;
}
