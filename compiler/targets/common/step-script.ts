/**
 * A job's steps as one POSIX script, for engines without steps of pipec's kind (GitLab, Argo): each
 * step runs in `sh -e -c` (as pipec runs it) behind a gate on the tracked status, so that
 * continueOnFailure and failure()/always() steps keep pipec's meaning.
 */
import type { Job, Plan, Step } from "../../../runtime/plan/schema.ts";
import { jobWhere, type TargetDiagnostics } from "./diagnostics.ts";
import { unsupportedPatterns, type Output } from "./pack.ts";
import { shellQuote } from "./shell.ts";

/** The step's own script: its env prelude, a cd into its directory, its run text. */
export function stepBody(prelude: readonly string[], job: Job, step: Step): string {
  const dir = step.workingDirectory ?? job.workingDirectory;
  return [...prelude, ...(dir === "." ? [] : [`cd "${dir}"`]), step.run.replace(/\n$/, "")].join("\n");
}

/** `if <gate>; then sh -e -c '<body>' || <track the failure>; fi`, with a comment naming the step. */
export function stepBlock(index: number, step: Step, body: string, gate: string): string {
  const onFailure = step.continueOnFailure ? `echo ${shellQuote(`pipec: step "${step.name}" failed; continuing (continueOnFailure)`)}` : "pipec_status=$?";
  return `# step ${index + 1}: ${step.name.replace(/\n/g, " ")}\nif ${gate}; then\n  sh -e -c ${shellQuote(body)} || ${onFailure}\nfi`;
}

/** The job's outputs the packing script can select exactly; the others are refused. */
export function packableOutputs(plan: Plan, id: string, diagnostics: TargetDiagnostics): [string, Output][] {
  return Object.entries(plan.jobs[id]!.outputs).filter(([name, output]) => {
    const bad = unsupportedPatterns(output);
    if (bad.length > 0) diagnostics.unsupported(jobWhere(plan, id), `output ${name}`, `the pattern${bad.length === 1 ? "" : "s"} ${bad.map((p) => JSON.stringify(p)).join(", ")} cannot be selected exactly by the generated packing script`, "use **, *, ?, [..] and {a,b} in whole path segments");
    return bad.length === 0;
  });
}
