/**
 * When a GitLab job runs (`when`, `rules`, `only`/`except`) as one pipec condition. Rules are decided
 * by the first that matches; a job runs when some rule that is not `when: never` matches and no
 * `never` rule before it does, so that is the condition (the same `when` on every running rule).
 */
import type { ImportDiagnostics, Where } from "../diagnostics.ts";
import type { Cond } from "../model.ts";
import { isMap } from "../source-yaml.ts";
import { parseGitlabCondition } from "./expression.ts";

export interface JobWhen {
  /** undefined: always (the default `on_success`). */
  readonly cond?: Cond;
  /** The job never runs (`when: never`, or only never rules). */
  readonly never: boolean;
  /** Project variables the condition reads (declared as pipeline vars). */
  readonly vars: readonly string[];
  readonly todos: readonly string[];
}

type Status = "on_success" | "on_failure" | "always";

export function jobCondition(def: Record<string, unknown>, where: (key: string, index?: number) => Where, diagnostics: ImportDiagnostics): JobWhen {
  const vars = new Set<string>();
  const todos: string[] = [];
  const status = (value: unknown, at: Where): Status | "never" => {
    if (value === undefined || value === "on_success") return "on_success";
    if (value === "on_failure" || value === "always" || value === "never") return value;
    if (value === "manual") todos.push(diagnostics.todo(at, "when: manual (a job started by hand) has no pipec equivalent; it runs as a normal job here", "use a deploy.* job with an approval step, or remove the job"));
    else if (value === "delayed") todos.push(diagnostics.todo(at, "when: delayed has no pipec equivalent; it runs at once here"));
    else todos.push(diagnostics.todo(at, `when: ${JSON.stringify(value)} is not a GitLab when`));
    return "on_success";
  };
  const parse = (text: unknown, at: Where): Cond | null => {
    const parsed = parseGitlabCondition(String(text));
    if (!parsed.ok) {
      todos.push(diagnostics.todo(at, `the condition ${JSON.stringify(text)} was not carried over: ${parsed.message}; the job runs as if it held`));
      return null;
    }
    parsed.vars.forEach((v) => vars.add(v));
    return parsed.cond;
  };
  const jobStatus = status(def.when, where("when"));
  let cond: Cond | null = null;
  let finalStatus: Status = jobStatus === "never" ? "on_success" : jobStatus;
  let never = jobStatus === "never" && def.rules === undefined;

  if (Array.isArray(def.rules)) {
    const running: Cond[] = [];
    const nevers: Cond[] = [];
    const statuses = new Set<Status>();
    let always = false;
    def.rules.forEach((rule, index) => {
      const at = where("rules", index);
      if (!isMap(rule)) {
        todos.push(diagnostics.todo(at, "a rule that is not a mapping was not carried over"));
        return;
      }
      for (const key of ["changes", "exists"]) {
        if (rule[key] !== undefined) todos.push(diagnostics.todo(at, `rules:${key} (run when files change or exist) has no pipec equivalent; this rule is read without it`, "split the pipeline, or test the files in the first step"));
      }
      for (const key of ["allow_failure", "variables", "needs", "start_in", "interruptible"]) {
        if (rule[key] !== undefined) todos.push(diagnostics.todo(at, `rules:${key} was not carried over`, "set it on the job, or make a job per case"));
      }
      const test = rule.if === undefined ? null : parse(rule.if, at);
      const ruleStatus = status(rule.when ?? def.when, at);
      if (ruleStatus === "never") {
        if (rule.if === undefined) always = true;
        if (test) nevers.push(test);
        return;
      }
      if (always) return;
      statuses.add(ruleStatus);
      const guard = nevers.map((n): Cond => ({ kind: "not", operand: n }));
      const parts = [...guard, ...(test ? [test] : [])];
      running.push(parts.length === 0 ? { kind: "and", all: [] } : parts.length === 1 ? parts[0]! : { kind: "and", all: parts });
    });
    if (running.length === 0) never = true;
    if (statuses.size > 1) todos.push(diagnostics.todo(where("rules"), `the rules give different whens (${[...statuses].join(", ")}); pipec has one condition per job, the first is used`));
    finalStatus = [...statuses][0] ?? "on_success";
    // A rule that always holds makes the whole list hold.
    if (!running.some((c) => c.kind === "and" && c.all.length === 0)) cond = running.length === 1 ? running[0]! : { kind: "or", all: running };
  }

  for (const key of ["only", "except"] as const) {
    const value = def[key];
    if (value === undefined) continue;
    const refs = refsCondition(value, where(key), parse, (message) => todos.push(diagnostics.todo(where(key), message)));
    if (refs === null) continue;
    const part: Cond = key === "only" ? refs : { kind: "not", operand: refs };
    cond = cond === null ? part : { kind: "and", all: [cond, part] };
  }

  const statusCond: Cond | null = finalStatus === "on_failure" ? { kind: "status", status: "failure" } : finalStatus === "always" ? { kind: "status", status: "always" } : null;
  const all = [statusCond, cond].filter((c): c is Cond => c !== null);
  return { cond: all.length === 0 ? undefined : all.length === 1 ? all[0] : { kind: "and", all }, never, vars: [...vars], todos };
}

/** `only:`/`except:` refs (branch names, `branches`, `tags`, simple regexes) and variables. */
function refsCondition(value: unknown, at: Where, parse: (text: unknown, at: Where) => Cond | null, todo: (message: string) => void): Cond | null {
  const refs = Array.isArray(value) ? value : isMap(value) ? value.refs : [value];
  const parts: Cond[] = [];
  for (const ref of Array.isArray(refs) ? refs : refs === undefined ? [] : [refs]) {
    const text = String(ref);
    if (text === "branches") parts.push({ kind: "truthy", ref: { root: "git", name: "branch" } });
    else if (text === "tags") parts.push({ kind: "truthy", ref: { root: "git", name: "tag" } });
    else if (text.startsWith("/")) {
      const parsed = parseGitlabCondition(`$CI_COMMIT_BRANCH =~ ${text}`);
      if (parsed.ok) parts.push(parsed.cond);
      else todo(`only/except ref ${text} was not carried over: ${parsed.message}`);
    } else if (["merge_requests", "schedules", "web", "api", "pushes", "triggers", "pipelines", "external", "external_pull_requests", "chat"].includes(text)) {
      todo(`only/except "${text}" (a pipeline source) has no pipec equivalent; read as always`);
    } else parts.push({ kind: "eq", left: { root: "git", name: "branch" }, right: text });
  }
  const variables: Cond[] = [];
  if (isMap(value)) {
    if (Array.isArray(value.variables)) for (const v of value.variables) {
      const c = parse(v, at);
      if (c) variables.push(c);
    }
    for (const key of ["changes", "kubernetes"]) if (value[key] !== undefined) todo(`only/except ${key} has no pipec equivalent; read as always`);
  }
  // Any ref and any variables expression.
  const both = [anyOf(parts), anyOf(variables)].filter((c): c is Cond => c !== null);
  return both.length === 0 ? null : both.length === 1 ? both[0]! : { kind: "and", all: both };
}

function anyOf(parts: readonly Cond[]): Cond | null {
  return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : { kind: "or", all: parts };
}
