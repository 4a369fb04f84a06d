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
import { labelOf } from "../label.ts";
import { findShortestCycles } from "./shortest-cycle.ts";

type Env = Readonly<Record<string, EnvValue>>;

export function checkVariables(plan: Pick<Plan, "env" | "vars">, jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const outer = [...SYSTEM_VARIABLES, ...Object.keys(plan.vars)];
  const outerSet = new Set(outer);

  // Scopes are checked by membership; the ordered list of visible names is built only for a "did you mean".
  const checkText = (text: string, scope: Scope, path: () => PlanPath) => {
    const what = () => labelOf(draft, path());
    const parsed = parseRefs(text);
    if (!parsed.ok) {
      diagnostics.push(error("unknown-variable", `${what()}: ${parsed.message} at character ${parsed.offset + 1} of ${JSON.stringify(text)}`, draft.locate(path()), "write ${NAME}, ${NAME:-default} or ${NAME:+alternative}; $$ for a literal $"));
      return;
    }
    for (const ref of parsed.refs) {
      if (ref.operator !== null || scope.has(ref.name)) continue;
      const guess = didYouMean(ref.name, scope.names());
      diagnostics.push(
        error(
          "unknown-variable",
          `${what()}: \${${ref.name}} is not defined.${guess ? ` Did you mean \${${guess}}?` : ""}`,
          draft.locate(path()),
          `define ${ref.name} in env or vars, or give a default: \${${ref.name}:-value}`,
        ),
      );
    }
  };
  const checkEnv = (env: Env, scope: Scope, path: () => PlanPath) => {
    for (const name in env) {
      const value = env[name];
      if (typeof value === "string") checkText(value, scope, () => [...path(), name]);
    }
    checkCycles(env, () => draft.locate(path()), () => labelOf(draft, path()), diagnostics);
  };

  const pipelineScope = scopeOf(outerSet, () => outer, plan.env, null);
  checkEnv(plan.env, pipelineScope, () => ["env"]);
  for (const id of Object.keys(jobs)) {
    const job = jobs[id]!;
    const jobScope = scopeOf(outerSet, () => outer, plan.env, job.env);
    const jobPath = (...rest: PlanPath) => ["jobs", id, ...rest];
    checkEnv(job.env, jobScope, () => jobPath("env"));
    if (job.image) checkText(job.image, jobScope, () => jobPath("image"));
    checkText(job.workingDirectory, jobScope, () => jobPath("workingDirectory"));
    job.steps.forEach((step, index) => {
      const stepScope = extend(jobScope, step.env);
      checkEnv(step.env, stepScope, () => jobPath("steps", index, "env"));
      if (step.image) checkText(step.image, stepScope, () => jobPath("steps", index, "image"));
      if (step.workingDirectory) checkText(step.workingDirectory, stepScope, () => jobPath("steps", index, "workingDirectory"));
    });
    job.services.forEach((service, index) => {
      checkText(service.image, jobScope, () => jobPath("services", index, "image"));
      checkEnv(service.env, extend(jobScope, service.env), () => jobPath("services", index, "env"));
    });
    const target = job.deploy?.target;
    if (target) {
      if (target.kind === "docker") checkText(target.image, jobScope, () => jobPath("deploy", "target", "image"));
      checkEnv(target.env, extend(jobScope, target.env), () => jobPath("deploy", "target", "env"));
    }
  }
  return diagnostics;
}

/** The names a template may use: membership for the check, the ordered list for suggestions. */
interface Scope {
  has(name: string): boolean;
  names(): readonly string[];
}

/** Outer names (system variables and vars), then the pipeline env, then the job env if any. */
function scopeOf(outer: ReadonlySet<string>, outerNames: () => readonly string[], pipelineEnv: Env, jobEnv: Env | null): Scope {
  return {
    has: (name) => outer.has(name) || Object.hasOwn(pipelineEnv, name) || (jobEnv !== null && Object.hasOwn(jobEnv, name)),
    names: () => [...outerNames(), ...Object.keys(pipelineEnv), ...(jobEnv === null ? [] : Object.keys(jobEnv))],
  };
}

/** A scope with the names of one more env (a step's, a service's or a deploy target's) after it. */
function extend(scope: Scope, env: Env): Scope {
  return { has: (name) => scope.has(name) || Object.hasOwn(env, name), names: () => [...scope.names(), ...Object.keys(env)] };
}

type TemplateRefs = ReturnType<typeof parseTemplate>;
const NO_REFS: TemplateRefs = { ok: true, refs: [] };

/** `parseTemplate`, skipped for text without "$" (most values), which has no references and cannot be malformed. */
function parseRefs(text: string): TemplateRefs {
  return text.includes("$") ? parseTemplate(text) : NO_REFS;
}

/** Definitions in one env that refer to each other in a loop. A self-reference reads the outer value (`PATH: ${PATH}:/x`). */
function checkCycles(env: Env, where: () => ReturnType<Draft["locate"]>, what: () => string, diagnostics: Diagnostic[]) {
  const edges = new Map<string, string[]>();
  let references = false;
  for (const [name, value] of Object.entries(env)) {
    const parsed = typeof value === "string" ? parseRefs(value) : null;
    const refs = parsed?.ok ? parsed.refs.map((r) => r.name).filter((ref) => ref !== name) : [];
    references ||= refs.length > 0;
    edges.set(name, refs);
  }
  if (!references) return;
  for (const cycle of findShortestCycles(edges)) {
    diagnostics.push(error("variable-cycle", `${what()}: variables refer to each other in a cycle: ${cycle.join(" -> ")}`, where(), "break the loop: one of them must not refer to the others"));
  }
}
