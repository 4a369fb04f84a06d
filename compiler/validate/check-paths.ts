/** Paths in outputs, caches and working directories stay inside the job's workspace. */
import { posix } from "node:path";
import type { Job } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";

/** Why a workspace-relative path is unsafe, or null. Templates and globs are checked as written. */
export function pathProblem(path: string): string | null {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return "it is absolute";
  if (path.includes("\\")) return "it uses '\\'; write paths with '/'";
  const normalized = posix.normalize(path.replace(/^!/, ""));
  if (normalized === ".." || normalized.startsWith("../")) return "it leaves the workspace through '..'";
  return null;
}

export function checkPaths(jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const check = (path: string, at: PlanPath) => {
    const problem = pathProblem(path);
    if (problem) diagnostics.push(error("unsafe-path", `${labelOf(draft, at)}: "${path}" is not allowed: ${problem}`, draft.locate(at), "use a path relative to the job's workspace, like dist/ or reports/*.xml"));
  };
  for (const [id, job] of Object.entries(jobs)) {
    check(job.workingDirectory, ["jobs", id, "workingDirectory"]);
    job.steps.forEach((step, index) => step.workingDirectory && check(step.workingDirectory, ["jobs", id, "steps", index, "workingDirectory"]));
    for (const [name, output] of Object.entries(job.outputs)) {
      output.paths.forEach((path, index) => check(path, ["jobs", id, "outputs", name, "paths", index]));
      output.exclude.forEach((path, index) => check(path, ["jobs", id, "outputs", name, "exclude", index]));
    }
    for (const kind of ["junit", "coverage"] as const) job.reports?.[kind].forEach((path, index) => check(path, ["jobs", id, "reports", kind, index]));
    job.gates.forEach((gate, index) => gate.file !== null && check(gate.file, ["jobs", id, "gates", index, "file"]));
    job.caches.forEach((cache, c) => {
      cache.paths.forEach((path, index) => check(path, ["jobs", id, "caches", c, "paths", index]));
      cache.key.forEach((part, k) => "files" in part && part.files.forEach((file) => check(file, ["jobs", id, "caches", c, "key", k])));
    });
    job.cacheKey?.files.forEach((file, index) => check(file, ["jobs", id, "cacheKey", "files", index]));
  }
  return diagnostics;
}
