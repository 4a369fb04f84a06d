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
import type { ImportedCache, ImportedJob, ImportedOutput, ImportedPipeline, ImportedVar } from "./model.ts";

/** Engine variables with a pipec equivalent. */
const EQUIVALENT: Readonly<Record<string, string>> = {
  CI_PROJECT_DIR: "PIPEC_WORKSPACE",
  CI_COMMIT_SHA: "PIPEC_GIT_SHA",
  CI_COMMIT_BRANCH: "PIPEC_GIT_BRANCH",
  CI_COMMIT_TAG: "PIPEC_GIT_TAG",
  CI_PIPELINE_ID: "PIPEC_RUN_ID",
  CI_JOB_NAME: "PIPEC_JOB_NAME",
  GITHUB_WORKSPACE: "PIPEC_WORKSPACE",
  GITHUB_SHA: "PIPEC_GIT_SHA",
  GITHUB_RUN_ID: "PIPEC_RUN_ID",
  GITHUB_JOB: "PIPEC_JOB",
};
const PREDEFINED = /^(CI|GITLAB|GITHUB|RUNNER|FF)_|^CI$/;
const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

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
      paths.filter((path) => {
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
    return {
      ...job,
      ...(job.image === undefined ? {} : { image: rewrite(job.image, scope) }),
      env: rewriteEnv(job.env, scope),
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
