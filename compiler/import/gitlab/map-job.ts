/**
 * One expanded GitLab job to an imported job: scripts to steps, image, services, variables, caches,
 * artifacts, retry, timeout, allow_failure. Needs, inputs and conditions are decided by the caller
 * (they depend on the other jobs and the stages).
 */
import type { ImportDiagnostics, Where } from "../diagnostics.ts";
import type { ImportedCache, ImportedJob, ImportedMatrix, ImportedOutput, ImportedService, ImportedStep } from "../model.ts";
import { isMap } from "../source-yaml.ts";
import { gitlabDuration } from "./duration.ts";
import type { ExpandedJob } from "./expand.ts";

export type MappedJob = Omit<ImportedJob, "needs" | "inputs" | "if" | "name" | "todos"> & { readonly todos: string[] };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RETRY_CLASSES: Readonly<Record<string, "exit-code" | "timeout" | "infrastructure">> = {
  script_failure: "exit-code",
  job_execution_timeout: "timeout",
  stuck_or_timeout_failure: "timeout",
  runner_system_failure: "infrastructure",
  api_failure: "infrastructure",
  scheduler_failure: "infrastructure",
  data_integrity_failure: "infrastructure",
  unknown_failure: "infrastructure",
  runner_unsupported: "infrastructure",
  unmet_prerequisites: "infrastructure",
  archived_failure: "infrastructure",
  stale_schedule: "infrastructure",
  missing_dependency_failure: "infrastructure",
};
/** Keys that only matter to GitLab's runners or UI: said, not marked. */
const APPROXIMATED = ["tags", "interruptible", "coverage", "stage", "inherit", "dependencies", "needs", "rules", "when", "only", "except", "extends", "variables", "image", "services", "cache", "before_script", "script", "after_script", "artifacts", "retry", "timeout", "allow_failure", "parallel", "description"];
const TODO_KEYS: Readonly<Record<string, string>> = {
  environment: "environment (a GitLab deployment environment) was not carried over; pipec deploys with deploy.* jobs",
  resource_group: "resource_group (one job at a time) has no pipec equivalent",
  release: "release (a GitLab release) was not carried over",
  secrets: "secrets: from a vault were not carried over; pipec reads secrets at run time (secret(\"NAME\"))",
  id_tokens: "id_tokens were not carried over",
  hooks: "hooks were not carried over",
  pages: "pages (GitLab Pages publishing) was not carried over",
  run: "run (GitLab CI steps) was not carried over",
  identity: "identity was not carried over",
  dast_configuration: "dast_configuration was not carried over",
  manual_confirmation: "manual_confirmation was not carried over",
};

export function mapJob(job: ExpandedJob, diagnostics: ImportDiagnostics): MappedJob | null {
  const { def } = job;
  const at = (...path: (string | number)[]): Where => ({ file: job.where.file, line: job.lineOf(...path) });
  const todos: string[] = [];
  for (const key of Object.keys(def)) {
    if (TODO_KEYS[key]) todos.push(diagnostics.todo(at(key), TODO_KEYS[key]));
    else if (key === "tags") diagnostics.approximated(at(key), `tags (runner selection) do not apply to pipec run; pipec build --target gitlab --tag puts them back`);
    else if (key === "trigger") todos.push(diagnostics.todo(at(key), "trigger (a child or downstream pipeline) has no pipec equivalent; the job fails until it is replaced", "import the triggered pipeline and run it as jobs of this one"));
    else if (!APPROXIMATED.includes(key)) todos.push(diagnostics.todo(at(key), `${key} is not a GitLab job key pipec import knows`));
    else if (key === "interruptible" || key === "coverage") diagnostics.approximated(at(key), `${key} does not apply to pipec`);
  }

  const steps: ImportedStep[] = [];
  const sourced = (key: string) => (Array.isArray(def[key]) ? (def[key] as unknown[]).flatMap((item, index) => lines(item).map(() => at(key, index))) : lines(def[key]).map(() => at(key)));
  const script = [...lines(def.before_script), ...lines(def.script)];
  if (script.length > 0) steps.push({ name: "script", run: script, sources: [...sourced("before_script"), ...sourced("script")] });
  else if (def.trigger !== undefined) steps.push({ name: "TODO trigger", run: [`echo "TODO: trigger ${JSON.stringify(def.trigger).replace(/["\\$`]/g, "")} is not imported" >&2`, "exit 1"] });
  else {
    diagnostics.fail("schema", job.where, `job "${job.name}" has no script`, "give it a script, or make it a hidden job (.name) if it is a template");
    return null;
  }
  const after = lines(def.after_script);
  if (after.length > 0) steps.push({ name: "after_script", run: after, sources: sourced("after_script"), if: "always", continueOnFailure: true });

  const env = variables(def.variables, at, todos, diagnostics);
  const image = imageOf(def.image, at("image"), todos, diagnostics);
  const retry = retryOf(def.retry, at("retry"), todos, diagnostics);
  let allowFailure: boolean | undefined;
  if (def.allow_failure === true) allowFailure = true;
  else if (isMap(def.allow_failure)) {
    allowFailure = true;
    diagnostics.approximated(at("allow_failure"), `allow_failure: exit_codes ${JSON.stringify(def.allow_failure.exit_codes)}: pipec allows any failure of this job`);
  }
  let timeout: string | undefined;
  if (def.timeout !== undefined) {
    timeout = gitlabDuration(String(def.timeout)) ?? undefined;
    if (timeout === undefined) todos.push(diagnostics.todo(at("timeout"), `timeout ${JSON.stringify(def.timeout)} is not a duration pipec reads`));
  }
  return {
    where: job.where,
    ...(image === undefined ? {} : { image }),
    env,
    steps,
    ...matrixOf(def.parallel, at("parallel"), todos, diagnostics),
    outputs: outputOf(def.artifacts, at("artifacts"), todos, diagnostics),
    services: servicesOf(def.services, at("services"), todos, diagnostics),
    caches: cachesOf(def.cache, at("cache"), todos, diagnostics),
    ...(timeout === undefined ? {} : { timeout }),
    ...(retry === undefined ? {} : { retry }),
    ...(allowFailure ? { allowFailure } : {}),
    todos,
  };
}

/** Script lines: a string or a list (nested lists are flattened, as GitLab does). */
export function lines(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(lines);
  const text = String(value).replace(/\n$/, "");
  return text.trim() === "" ? [] : [text];
}

export function variables(value: unknown, at: (...path: (string | number)[]) => Where, todos: string[], diagnostics: ImportDiagnostics): Record<string, string> {
  const env: Record<string, string> = {};
  if (!isMap(value)) return env;
  for (const [name, raw] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      todos.push(diagnostics.todo(at("variables", name), `variable ${JSON.stringify(name)} is not a valid environment variable name`));
      continue;
    }
    const v = isMap(raw) ? raw.value : raw;
    if (isMap(raw) && raw.expand === false) diagnostics.approximated(at("variables", name), `variable ${name} has expand: false; pipec expands \${...} in values`);
    env[name] = v === null || v === undefined ? "" : String(v);
  }
  return env;
}

function imageOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (isMap(value) && typeof value.name === "string") {
    for (const key of Object.keys(value)) if (key !== "name" && key !== "pull_policy") todos.push(diagnostics.todo(where, `image:${key} was not carried over`));
    return value.name;
  }
  todos.push(diagnostics.todo(where, `image ${JSON.stringify(value)} was not understood`));
  return undefined;
}

function retryOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): MappedJob["retry"] {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value > 0 ? { max: value } : undefined;
  if (!isMap(value)) {
    todos.push(diagnostics.todo(where, `retry ${JSON.stringify(value)} was not understood`));
    return undefined;
  }
  const max = Number(value.max ?? 0);
  if (max <= 0) return undefined;
  const whens = value.when === undefined ? ["always"] : Array.isArray(value.when) ? value.when.map(String) : [String(value.when)];
  const on = new Set<"exit-code" | "timeout" | "infrastructure">();
  for (const when of whens) {
    if (when === "always") ["exit-code", "timeout", "infrastructure"].forEach((c) => on.add(c as "exit-code"));
    else if (RETRY_CLASSES[when]) on.add(RETRY_CLASSES[when]);
    else todos.push(diagnostics.todo(where, `retry when ${when} has no pipec failure class`));
  }
  const exitCodes = Array.isArray(value.exit_codes) ? value.exit_codes.map(Number) : typeof value.exit_codes === "number" ? [value.exit_codes] : undefined;
  return { max, ...(whens.includes("always") ? {} : { on: [...on].sort() }), ...(exitCodes ? { exitCodes } : {}) };
}

function matrixOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): { matrix?: ImportedMatrix; env?: never } {
  if (value === undefined || value === null) return {};
  if (typeof value === "number") {
    const total = Math.max(1, Math.floor(value));
    diagnostics.approximated(where, `parallel: ${total} becomes a matrix over CI_NODE_INDEX (1..${total}); CI_NODE_TOTAL is not set`);
    return { matrix: { axes: { CI_NODE_INDEX: Array.from({ length: total }, (_, i) => String(i + 1)) }, asEnv: ["CI_NODE_INDEX"] } };
  }
  if (isMap(value) && Array.isArray(value.matrix)) {
    const entries = value.matrix.filter(isMap).map((entry) => Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)])));
    const bad = entries.flatMap((e) => Object.keys(e)).filter((k) => !ENV_NAME.test(k));
    if (bad.length > 0 || entries.length === 0) {
      todos.push(diagnostics.todo(where, `parallel:matrix ${bad.length > 0 ? `with the variable names ${bad.join(", ")}` : "without entries"} was not carried over`));
      return {};
    }
    const names = [...new Set(entries.flatMap((e) => Object.keys(e)))];
    if (entries.length === 1) return { matrix: { axes: entries[0]!, asEnv: names } };
    // Several entries: the union of each entry's product, listed (pipec's matrix is one product).
    const include = entries.flatMap((entry) => {
      let combos: Record<string, string>[] = [{}];
      for (const [key, values] of Object.entries(entry)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
      return combos;
    });
    return { matrix: { axes: {}, include, asEnv: names } };
  }
  todos.push(diagnostics.todo(where, `parallel ${JSON.stringify(value)} was not understood`));
  return {};
}

function outputOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): Record<string, ImportedOutput> {
  if (!isMap(value)) return {};
  for (const key of Object.keys(value)) {
    if (key === "reports") todos.push(diagnostics.todo(where, `artifacts:reports (${Object.keys(isMap(value.reports) ? value.reports : {}).join(", ")}) are GitLab UI reports; pipec keeps files as outputs`, "add the report files to the output's paths if a later job needs them"));
    else if (key === "when" && value.when !== "on_success") todos.push(diagnostics.todo(where, `artifacts:when ${value.when}: pipec stores outputs of successful jobs only`));
    else if (key === "untracked" && value.untracked) todos.push(diagnostics.todo(where, "artifacts:untracked was not carried over", "list the paths"));
    else if (["name", "public", "access", "expose_as"].includes(key)) diagnostics.approximated(where, `artifacts:${key} is GitLab UI only`);
  }
  const paths = lines(value.paths);
  if (paths.length === 0) return {};
  const exclude = lines(value.exclude);
  const expire = value.expire_in === undefined || value.expire_in === "never" ? undefined : gitlabDuration(String(value.expire_in));
  if (value.expire_in !== undefined && value.expire_in !== "never" && expire === null) todos.push(diagnostics.todo(where, `artifacts:expire_in ${JSON.stringify(value.expire_in)} is not a duration pipec reads`));
  // GitLab only warns when paths match nothing: the output is optional.
  return { artifacts: { paths, ...(exclude.length > 0 ? { exclude } : {}), ...(expire ? { expireIn: expire } : {}), optional: true } };
}

function servicesOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): ImportedService[] {
  if (!Array.isArray(value)) return [];
  const out: ImportedService[] = [];
  const used = new Set<string>();
  for (const entry of value) {
    const image = typeof entry === "string" ? entry : isMap(entry) && typeof entry.name === "string" ? entry.name : null;
    if (image === null) {
      todos.push(diagnostics.todo(where, `service ${JSON.stringify(entry)} was not understood`));
      continue;
    }
    const alias = isMap(entry) && typeof entry.alias === "string" ? entry.alias.split(",")[0]!.trim() : null;
    // GitLab's host name for a service without alias: the image without tag and registry path.
    let name = (alias ?? image.replace(/[:@].*$/, "").split("/").pop()!).replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "service";
    while (used.has(name)) name = `${name}-2`;
    used.add(name);
    const service: ImportedService = { name, image };
    if (isMap(entry)) {
      for (const key of Object.keys(entry)) if (!["name", "alias", "command", "variables"].includes(key)) todos.push(diagnostics.todo(where, `service ${name}: ${key} was not carried over`));
      const command = entry.command === undefined ? undefined : lines(entry.command);
      const env = variables(entry.variables, () => where, todos, diagnostics);
      out.push({ ...service, ...(command ? { command } : {}), ...(Object.keys(env).length > 0 ? { env } : {}) });
    } else out.push(service);
  }
  if (out.length > 0) diagnostics.approximated(where, `services are reached at 127.0.0.1 under pipec run, not by their GitLab host name (${out.map((s) => s.name).join(", ")})`, "read the host from a variable");
  return out;
}

function cachesOf(value: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): ImportedCache[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: ImportedCache[] = [];
  for (const entry of list) {
    if (!isMap(entry)) continue;
    const paths = lines(entry.paths);
    for (const key of Object.keys(entry)) {
      if (key === "untracked" && entry.untracked) todos.push(diagnostics.todo(where, "cache:untracked was not carried over", "list the paths"));
      else if (key === "when" && entry.when !== "on_success") todos.push(diagnostics.todo(where, `cache:when ${entry.when}: pipec saves caches of successful jobs`));
      else if (["fallback_keys", "unprotect"].includes(key)) diagnostics.approximated(where, `cache:${key} does not apply to pipec`);
    }
    if (paths.length === 0) continue;
    const key: ImportedCache["key"][number][] = [];
    if (isMap(entry.key)) {
      const files = lines(entry.key.files);
      if (files.length > 0) key.push({ files });
      if (entry.key.prefix !== undefined) key.push(String(entry.key.prefix));
    } else key.push(entry.key === undefined ? "default" : String(entry.key));
    if (key.some((part) => typeof part === "string" && part.includes("$"))) diagnostics.approximated(where, `cache key ${JSON.stringify(key)} names variables; pipec keys are text and file contents, so the text is used as written`);
    const policy = entry.policy === "pull" || entry.policy === "push" || entry.policy === "pull-push" ? entry.policy : undefined;
    if (entry.policy !== undefined && policy === undefined) todos.push(diagnostics.todo(where, `cache:policy ${JSON.stringify(entry.policy)} is not pull, push or pull-push`));
    out.push({ key, paths, ...(policy && policy !== "pull-push" ? { policy } : {}) });
  }
  return out;
}
