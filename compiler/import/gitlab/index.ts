/**
 * `.gitlab-ci.yml` to an imported pipeline. The file is expanded first (includes, extends, anchors,
 * defaults); stages become needs (a job without `needs` waits for every job of the earlier stages,
 * written as needs on the nearest ones), artifacts become one output per job, taken as inputs where
 * GitLab would download them (`needs`, `dependencies`, or every earlier stage).
 */
import type { ImportDiagnostics, Where } from "../diagnostics.ts";
import type { ImportedJob, ImportedPipeline, ImportedVar } from "../model.ts";
import { isMap } from "../source-yaml.ts";
import { expandGitlab, type ExpandedJob, type ReadLocal } from "./expand.ts";
import { mapJob, variables, type MappedJob } from "./map-job.ts";
import { jobCondition } from "./rules.ts";

const DEFAULT_STAGES = ["build", "test", "deploy"];

export function importGitlab(file: string, text: string, readLocal: ReadLocal, diagnostics: ImportDiagnostics): ImportedPipeline | null {
  const expanded = expandGitlab(file, text, readLocal, diagnostics);
  if (!expanded) return null;
  const { top } = expanded;
  const topWhere = (...path: (string | number)[]): Where => ({ file, line: expanded.lineOfTop(...path) });
  if (expanded.jobs.length === 0) {
    diagnostics.fail("schema", { file, line: 1 }, "not a GitLab CI pipeline: no jobs (a job is a top-level key with a script)", "import a .gitlab-ci.yml with jobs, or a GitHub workflow with --from github");
    return null;
  }
  const todos: string[] = [...expanded.todos];
  if (top.workflow !== undefined) todos.push(diagnostics.todo(topWhere("workflow"), "workflow: (rules and name of the whole pipeline) was not carried over", "put the conditions on the jobs"));

  const stages = ([".pre", ...(Array.isArray(top.stages) ? top.stages.map(String) : Array.isArray(top.types) ? top.types.map(String) : DEFAULT_STAGES), ".post"]);
  const names = jobNames(expanded.jobs, diagnostics);
  const mapped = new Map<string, { source: ExpandedJob; job: MappedJob; stage: number; cond: ReturnType<typeof jobCondition> }>();
  const varNames = new Set<string>();
  // Every job's stage index, those left out included: GitLab checks needs and dependencies against them all.
  const stageOf = new Map<string, number>();
  for (const source of expanded.jobs) {
    const at = (key: string, index?: number): Where => ({ file: source.where.file, line: index === undefined ? source.lineOf(key) : source.lineOf(key, index) });
    const stageName = source.def.stage === undefined ? "test" : String(source.def.stage);
    const stage = stages.indexOf(stageName);
    if (stage < 0) {
      diagnostics.fail("schema", at("stage"), `job "${source.name}" is in stage "${stageName}", which is not in stages (${stages.slice(1, -1).join(", ")})`, "add the stage to stages:, or fix the job's stage");
      continue;
    }
    stageOf.set(source.name, stage);
    const cond = jobCondition(source.def, at, diagnostics);
    if (cond.never) {
      todos.push(diagnostics.todo(source.where, `job "${source.name}" never runs (when: never, or only never rules), so it was left out`));
      continue;
    }
    const job = mapJob(source, diagnostics);
    if (!job) continue;
    cond.vars.forEach((v) => varNames.add(v));
    mapped.set(source.name, { source, job, stage, cond });
  }
  if (diagnostics.failed) return null;
  // GitLab checks every job, those that never run included.
  for (const source of expanded.jobs) if (stageOf.has(source.name)) laterStageReferences(source, stageOf, stages, diagnostics);
  if (diagnostics.failed) return null;

  // Needs and inputs, the way GitLab decides them.
  const jobs: ImportedJob[] = [];
  const ancestors = new Map<string, Set<string>>();
  const needsOf = new Map<string, string[]>();
  const order = [...mapped.keys()].sort((a, b) => mapped.get(a)!.stage - mapped.get(b)!.stage);
  const explicit = (name: string): string[] | null => {
    const { source } = mapped.get(name)!;
    if (!Array.isArray(source.def.needs)) return null;
    const out: string[] = [];
    source.def.needs.forEach((need, index) => {
      const where = { file: source.where.file, line: source.lineOf("needs", index) };
      const target = typeof need === "string" ? need : isMap(need) && typeof need.job === "string" && need.project === undefined && need.pipeline === undefined ? need.job : null;
      if (target === null) {
        mapped.get(name)!.job.todos.push(diagnostics.todo(where, `need ${JSON.stringify(need)} (another project or pipeline) was not carried over`));
        return;
      }
      if (isMap(need) && need.parallel !== undefined) diagnostics.approximated(where, `need ${target} with parallel: the job needs every expansion of ${target}`);
      if (!mapped.has(target)) {
        if (!(isMap(need) && need.optional === true)) mapped.get(name)!.job.todos.push(diagnostics.todo(where, `needs "${target}", which is not a job here (or was left out)`));
        return;
      }
      out.push(target);
    });
    return out;
  };
  for (const name of order) {
    const { stage } = mapped.get(name)!;
    let needs = explicit(name);
    if (needs === null) {
      // Every job of every earlier stage, minus those another candidate already waits for.
      const earlier = order.filter((other) => mapped.get(other)!.stage < stage);
      needs = earlier.filter((candidate) => !earlier.some((other) => other !== candidate && ancestors.get(other)?.has(candidate)));
    }
    needsOf.set(name, needs);
    const mine = new Set<string>();
    for (const need of needs) {
      mine.add(need);
      for (const a of ancestors.get(need) ?? []) mine.add(a);
    }
    ancestors.set(name, mine);
  }
  for (const name of order) {
    const { source, job, stage, cond } = mapped.get(name)!;
    const needs = needsOf.get(name)!;
    const hasOutput = (other: string) => Object.keys(mapped.get(other)?.job.outputs ?? {}).length > 0;
    let takes: string[];
    // With needs, a job downloads only from the jobs it needs with artifacts (dependencies narrows
    // that, never widens it: a need with artifacts: false or a job needs leaves out gives nothing).
    const needArtifacts = Array.isArray(source.def.needs)
      ? new Set(source.def.needs.filter((n) => typeof n === "string" || (isMap(n) && n.artifacts !== false)).map((n) => (typeof n === "string" ? n : String((n as { job: unknown }).job))).filter((n) => needs.includes(n)))
      : null;
    if (Array.isArray(source.def.dependencies)) {
      const where = { file: source.where.file, line: source.lineOf("dependencies") };
      if (!dependenciesValid(name, source, names, where, diagnostics)) continue;
      takes = source.def.dependencies.map(String).filter((dep) => {
        if (!mapped.has(dep)) job.todos.push(diagnostics.todo(where, `dependencies names "${dep}", which is not a job here`));
        else if (needArtifacts && !needArtifacts.has(dep) && hasOutput(dep)) diagnostics.approximated(where, `dependencies names "${dep}", which needs does not take artifacts from: nothing of it is downloaded, as in GitLab`);
        return mapped.has(dep) && hasOutput(dep) && (needArtifacts === null || needArtifacts.has(dep));
      });
    } else if (needArtifacts) {
      takes = [...needArtifacts].filter(hasOutput);
    } else takes = order.filter((other) => mapped.get(other)!.stage < stage && hasOutput(other));
    const allNeeds = needs.filter((n) => !takes.includes(n)).map((n) => names.get(n)!);
    jobs.push({
      name: names.get(name)!,
      ...job,
      needs: allNeeds,
      // GitLab runs a job whether or not the artifacts it downloads are there (paths that matched
      // nothing, a failed job before a when: always job): each input is optional.
      inputs: takes.map((t) => ({ job: names.get(t)!, output: "artifacts", optional: true })),
      ...(cond.cond ? { if: cond.cond } : {}),
      todos: [...cond.todos, ...job.todos],
    });
  }

  if (diagnostics.failed) return null;

  // Pipeline variables: described ones and those conditions read become vars, the rest env.
  const vars: Record<string, ImportedVar> = {};
  const env: Record<string, string> = {};
  const raw = isMap(top.variables) ? top.variables : {};
  const values = variables(top.variables, (...path) => topWhere(...path), todos, diagnostics);
  for (const [name, value] of Object.entries(values)) {
    const entry = raw[name];
    const description = isMap(entry) && typeof entry.description === "string" ? entry.description : undefined;
    if (isMap(entry) && Array.isArray(entry.options)) diagnostics.approximated(topWhere("variables", name), `variable ${name}: the choices ${entry.options.join(", ")} are not enforced by pipec`);
    if (description !== undefined || varNames.has(name)) vars[name] = { default: value, ...(description === undefined ? {} : { description }) };
    else env[name] = value;
  }
  for (const name of varNames) vars[name] ??= { default: "" };

  const defaultImage = typeof expanded.top.default === "object" && isMap(expanded.top.default) && typeof expanded.top.default.image === "string" ? expanded.top.default.image : typeof top.image === "string" ? top.image : undefined;
  return {
    name: typeof (top.workflow as { name?: unknown } | undefined)?.name === "string" ? sanitize(String((top.workflow as { name: string }).name)) || "ci" : "ci",
    source: file,
    from: "gitlab",
    ...(defaultImage ? { image: defaultImage } : {}),
    env,
    vars,
    jobs: jobs.map((j) => (defaultImage !== undefined && j.image === defaultImage ? withoutImage(j) : j)),
    todos,
  };
}

/**
 * GitLab refuses a file where a job's `dependencies` name a job that does not exist, or (when the job
 * has `needs`) one its needs do not name, artifacts or not: "dependencies the X should be part of needs".
 */
function dependenciesValid(name: string, source: ExpandedJob, jobs: ReadonlyMap<string, string>, where: Where, diagnostics: ImportDiagnostics): boolean {
  const dependencies = (source.def.dependencies as unknown[]).map(String);
  const undefinedOnes = dependencies.filter((dep) => !jobs.has(dep));
  if (undefinedOnes.length > 0) {
    diagnostics.fail("schema", where, `job "${name}": dependencies name ${list(undefinedOnes)}, which ${undefinedOnes.length === 1 ? "is not a job" : "are not jobs"} of this file; GitLab refuses the file ("undefined dependency")`, "fix the job name, or take it out of dependencies");
    return false;
  }
  if (!Array.isArray(source.def.needs) || source.def.needs.length === 0) return true;
  const needed = new Set(source.def.needs.map((need) => (typeof need === "string" ? need : isMap(need) && need.project === undefined && need.pipeline === undefined ? String(need.job) : null)));
  const missing = dependencies.filter((dep) => !needed.has(dep));
  if (missing.length === 0) return true;
  diagnostics.fail("schema", where, `job "${name}": dependencies name ${list(missing)}, which its needs do not; GitLab refuses the file ("dependencies the ${missing.join(", ")} should be part of needs")`, `add ${missing.join(", ")} to needs (with artifacts: false if no files are wanted), or take ${missing.length === 1 ? "it" : "them"} out of dependencies`);
  return false;
}

/**
 * GitLab refuses a file where a job needs, or takes the dependencies of, a job of a later stage:
 * "X job: need Y is not defined in current or prior stages" (the same stage is allowed).
 */
function laterStageReferences(source: ExpandedJob, stageOf: ReadonlyMap<string, number>, stages: readonly string[], diagnostics: ImportDiagnostics): void {
  const mine = stageOf.get(source.name)!;
  const check = (kind: "need" | "dependency", key: string, target: string, index?: number) => {
    const theirs = stageOf.get(target);
    if (theirs === undefined || theirs <= mine) return;
    const where = { file: source.where.file, line: index === undefined ? source.lineOf(key) : source.lineOf(key, index) };
    diagnostics.fail(
      "schema",
      where,
      `job "${source.name}" (stage ${stages[mine]}) ${kind === "need" ? "needs" : "takes the dependencies of"} "${target}", which is in the later stage ${stages[theirs]}; GitLab refuses the file ("${kind} ${target} is not defined in current or prior stages")`,
      `move "${target}" to stage ${stages[mine]} or an earlier one, or "${source.name}" to stage ${stages[theirs]} or a later one`,
    );
  };
  if (Array.isArray(source.def.needs)) {
    source.def.needs.forEach((need, index) => {
      const target = typeof need === "string" ? need : isMap(need) && typeof need.job === "string" && need.project === undefined && need.pipeline === undefined ? need.job : null;
      if (target !== null) check("need", "needs", target, index);
    });
  }
  if (Array.isArray(source.def.dependencies)) for (const dep of source.def.dependencies) check("dependency", "dependencies", String(dep));
}

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

function withoutImage(job: ImportedJob): ImportedJob {
  const { image: _, ...rest } = job;
  return rest;
}

const sanitize = (name: string) => name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").replace(/-+$/, "");

/** pipec job names (letters, digits, `_`, `.`, `-`), unique; a renamed job is said. */
function jobNames(jobs: readonly ExpandedJob[], diagnostics: ImportDiagnostics): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const job of jobs) {
    let name = sanitize(job.name) || "job";
    while (used.has(name)) name = `${name}-2`;
    used.add(name);
    out.set(job.name, name);
    if (name !== job.name) diagnostics.approximated(job.where, `job "${job.name}" is named "${name}" in pipec (letters, digits, _, . and - only)`);
  }
  return out;
}
