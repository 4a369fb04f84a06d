/**
 * Variable references and paths in an imported pipeline, made valid for pipec. CI engines expand
 * `$X` and `${X}` in variables and images; pipec expands `${X}` and checks that X is defined. So a
 * reference to a variable the file defines becomes `${X}`, one to a project variable (set in the
 * engine's settings) becomes a declared pipeline var (default empty, `pipec run --var X=...`), and one
 * to an engine's predefined variable becomes the pipec equivalent or `${X:-}` (empty), said once.
 * Absolute paths and paths leaving the workspace (outputs, caches) are refused, with a TODO.
 */
import { SYSTEM_VARIABLES } from "../../runtime/plan/system-variables.ts";
import { parseTemplate } from "../../runtime/plan/variables.ts";
import type { ImportDiagnostics } from "./diagnostics.ts";
import { COMPUTED, EQUIVALENT, PREDEFINED, rewriteScriptVariables } from "./predefined.ts";
import type { ImportedCache, ImportedJob, ImportedOutput, ImportedPipeline, ImportedStep, ImportedVar } from "./model.ts";

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$CI_PROJECT_DIR/dist` is `dist`: outputs and caches are paths in the workspace. */
const inWorkspace = (path: string) => path.replace(/^\$(?:\{(?:CI_PROJECT_DIR|GITHUB_WORKSPACE)\}|(?:CI_PROJECT_DIR|GITHUB_WORKSPACE)\b)\/*/, "") || ".";

export function settleVariables(pipeline: ImportedPipeline, diagnostics: ImportDiagnostics): ImportedPipeline {
  const vars: Record<string, ImportedVar> = { ...pipeline.vars };
  const unknownPredefined = new Set<string>();
  const declared = new Set<string>();
  const system = new Set<string>(SYSTEM_VARIABLES);
  const nested: string[] = [];
  const rewrite = (text: string, scope: ReadonlySet<string>): string => {
    const out = rewriteRefs(text, scope);
    if (parseTemplate(out).ok) return out;
    nested.push(text);
    return text.replace(/\$/g, "$$$$");
  };
  const rewriteRefs = (text: string, scope: ReadonlySet<string>): string =>
    text.replace(REF, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare;
      if (name === undefined) return whole;
      if (scope.has(name) || system.has(name) || Object.hasOwn(vars, name)) return `\${${name}}`;
      if (EQUIVALENT[name]) return `\${${EQUIVALENT[name]}}`;
      if (COMPUTED[name]) return COMPUTED[name];
      if (PREDEFINED.test(name)) {
        unknownPredefined.add(name);
        return `\${${name}:-}`;
      }
      vars[name] = { default: "", description: `used by the ${pipeline.from === "gitlab" ? "GitLab" : "GitHub"} file but not defined in it (a project variable?)` };
      declared.add(name);
      return `\${${name}}`;
    });
  const rewriteEnv = (env: Readonly<Record<string, string>>, scope: ReadonlySet<string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, rewrite(v, scope)]));
  const pipelineScope = new Set(Object.keys(pipeline.env));
  const env = rewriteEnv(pipeline.env, pipelineScope);
  const jobs = pipeline.jobs.map((job): ImportedJob => {
    const scope = new Set([...pipelineScope, ...Object.keys(job.env), ...(job.matrix ? [...Object.keys(job.matrix.axes), ...(job.matrix.include ?? []).flatMap(Object.keys)] : [])]);
    const todos = [...job.todos];
    const safe = (paths: readonly string[], what: string) =>
      paths.map(inWorkspace).filter((path) => {
        const normalized = path.replace(/^\.\//, "");
        const bad = path.startsWith("/") || normalized === ".." || normalized.startsWith("../") || path.includes("\\") || /^~/.test(path);
        if (bad) todos.push(diagnostics.todo(job.where, `${what} path ${JSON.stringify(path)} is outside the job's workspace, which pipec does not allow; it was left out`, "keep the files under the workspace"));
        return !bad;
      });
    const outputs: Record<string, ImportedOutput> = {};
    for (const [name, output] of Object.entries(job.outputs)) {
      const paths = safe(output.paths, `output ${name}`);
      if (paths.length > 0) outputs[name] = { ...output, paths, ...(output.exclude ? { exclude: safe(output.exclude, `output ${name} exclude`) } : {}) };
    }
    const caches = job.caches.flatMap((cache): ImportedCache[] => {
      const paths = safe(cache.paths, "cache");
      return paths.length === 0 ? [] : [{ ...cache, paths, key: cache.key.length === 0 ? ["default"] : cache.key }];
    });
    const engine = pipeline.from === "gitlab" ? "GitLab" : "GitHub";
    const steps = job.steps.map((step): ImportedStep => {
      const stepScope = new Set([...scope, ...Object.keys(step.env ?? {}), ...Object.keys(vars), ...system]);
      const unknown = new Set<string>();
      let where = job.where;
      const run = step.run.map((line, index) => {
        const rewritten = rewriteScriptVariables(line, stepScope);
        if (rewritten.unknown.length > 0 && unknown.size === 0) where = step.sources?.[index] ?? job.where;
        rewritten.unknown.forEach((name) => unknown.add(name));
        return rewritten.text;
      });
      if (unknown.size === 0) return { ...step, run };
      const names = [...unknown].sort().map((n) => `$${n}`).join(", ");
      const todo = diagnostics.todo(where, `the script reads ${names}, which ${engine} predefines and pipec does not set: ${unknown.size === 1 ? "it reads" : "they read"} as empty`, "set it in the job's env, or use pipec's PIPEC_* variables");
      return { ...step, run, todos: [...(step.todos ?? []), todo] };
    });
    return {
      ...job,
      ...(job.image === undefined ? {} : { image: rewrite(job.image, scope) }),
      env: rewriteEnv(job.env, scope),
      steps,
      services: job.services.map((s) => ({ ...s, image: rewrite(s.image, scope), ...(s.env ? { env: rewriteEnv(s.env, new Set([...scope, ...Object.keys(s.env)])) } : {}) })),
      outputs,
      caches,
      todos,
    };
  });
  const dropped = new Set(pipeline.jobs.filter((j, i) => Object.keys(j.outputs).length > 0 && Object.keys(jobs[i]!.outputs).length === 0).map((j) => j.name));
  const withInputs = jobs.map((job) => (job.inputs.some((i) => dropped.has(i.job)) ? { ...job, needs: [...job.needs, ...job.inputs.filter((i) => dropped.has(i.job)).map((i) => i.job)], inputs: job.inputs.filter((i) => !dropped.has(i.job)) } : job));
  const where = { file: pipeline.source, line: 1 };
  if (declared.size > 0) diagnostics.approximated(where, `${[...declared].join(", ")} ${declared.size === 1 ? "is" : "are"} used but not defined in the file (project variables?): declared as pipeline vars, empty unless given with pipec run --var`);
  if (unknownPredefined.size > 0) diagnostics.approximated(where, `${[...unknownPredefined].join(", ")} ${unknownPredefined.size === 1 ? "is a variable" : "are variables"} the engine predefines, with no pipec equivalent: they read as empty`);
  if (nested.length > 0) diagnostics.approximated(where, `${nested.map((t) => JSON.stringify(t)).join(", ")}: nested variable references have no pipec equivalent; the text is kept literally ($$)`);
  const image = pipeline.image === undefined ? undefined : rewrite(pipeline.image, pipelineScope);
  return { ...pipeline, ...(image === undefined ? {} : { image }), env, vars, jobs: withInputs };
}
