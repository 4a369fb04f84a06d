/**
 * Variable templates (`${VAR}`, `${VAR:-default}`, `${VAR:+alt}`) in env values, images and working
 * directories: each parses, names a variable the job can see, and definitions do not loop.
 */
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { EnvValue, Job, Plan } from "../../runtime/plan/schema.ts";
import { SYSTEM_VARIABLES } from "../../runtime/plan/system-variables.ts";
import { parseTemplate } from "../../runtime/plan/variables.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { findShortestCycles } from "./shortest-cycle.ts";

type Env = Readonly<Record<string, EnvValue>>;

export function checkVariables(plan: Pick<Plan, "env" | "vars">, jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const outer = [...SYSTEM_VARIABLES, ...Object.keys(plan.vars)];

  const checkText = (text: string, visible: readonly string[], path: PlanPath, what: string) => {
    const parsed = parseTemplate(text);
    const where = draft.locate(path);
    if (!parsed.ok) {
      diagnostics.push(error("unknown-variable", `${what}: ${parsed.message} at character ${parsed.offset + 1} of ${JSON.stringify(text)}`, where, "write ${NAME}, ${NAME:-default} or ${NAME:+alternative}; $$ for a literal $"));
      return;
    }
    for (const ref of parsed.refs) {
      if (ref.operator !== null || visible.includes(ref.name)) continue;
      const guess = didYouMean(ref.name, visible);
      diagnostics.push(
        error(
          "unknown-variable",
          `${what} uses \${${ref.name}}, which is not defined.${guess ? ` Did you mean \${${guess}}?` : ""}`,
          where,
          `define ${ref.name} in env or vars, or give a default: \${${ref.name}:-value}`,
        ),
      );
    }
  };
  const checkEnv = (env: Env, visible: readonly string[], path: PlanPath, what: string) => {
    for (const [name, value] of Object.entries(env)) if (typeof value === "string") checkText(value, visible, [...path, name], `${what} env ${name}`);
    checkCycles(env, draft.locate(path), what, diagnostics);
  };

  checkEnv(plan.env, [...outer, ...Object.keys(plan.env)], ["env"], "pipeline");
  for (const [id, job] of Object.entries(jobs)) {
    const jobVisible = [...outer, ...Object.keys(plan.env), ...Object.keys(job.env)];
    checkEnv(job.env, jobVisible, ["jobs", id, "env"], `job "${id}"`);
    if (job.image) checkText(job.image, jobVisible, ["jobs", id, "image"], `job "${id}" image`);
    checkText(job.workingDirectory, jobVisible, ["jobs", id, "workingDirectory"], `job "${id}" workingDirectory`);
    job.steps.forEach((step, index) => {
      const stepVisible = [...jobVisible, ...Object.keys(step.env)];
      const path = ["jobs", id, "steps", index];
      checkEnv(step.env, stepVisible, [...path, "env"], `job "${id}" step "${step.name}"`);
      if (step.image) checkText(step.image, stepVisible, [...path, "image"], `job "${id}" step "${step.name}" image`);
      if (step.workingDirectory) checkText(step.workingDirectory, stepVisible, [...path, "workingDirectory"], `job "${id}" step "${step.name}" workingDirectory`);
    });
    job.services.forEach((service, index) => {
      checkText(service.image, jobVisible, ["jobs", id, "services", index, "image"], `job "${id}" service "${service.name}" image`);
      checkEnv(service.env, [...jobVisible, ...Object.keys(service.env)], ["jobs", id, "services", index, "env"], `job "${id}" service "${service.name}"`);
    });
    const target = job.deploy?.target;
    if (target) {
      if (target.kind === "docker") checkText(target.image, jobVisible, ["jobs", id, "deploy", "target", "image"], `deployment "${id}" image`);
      checkEnv(target.env, [...jobVisible, ...Object.keys(target.env)], ["jobs", id, "deploy", "target", "env"], `deployment "${id}" target`);
    }
  }
  return diagnostics;
}

/** Definitions in one env that refer to each other in a loop. A self-reference reads the outer value (`PATH: ${PATH}:/x`). */
function checkCycles(env: Env, where: ReturnType<Draft["locate"]>, what: string, diagnostics: Diagnostic[]) {
  const edges = new Map<string, string[]>();
  for (const [name, value] of Object.entries(env)) {
    const parsed = typeof value === "string" ? parseTemplate(value) : null;
    edges.set(name, parsed?.ok ? parsed.refs.map((r) => r.name).filter((ref) => ref !== name) : []);
  }
  for (const cycle of findShortestCycles(edges)) {
    diagnostics.push(error("variable-cycle", `${what} env variables refer to each other in a cycle: ${cycle.join(" -> ")}`, where, "break the loop: one of them must not refer to the others"));
  }
}
