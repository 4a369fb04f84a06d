/**
 * A GitHub Actions workflow to an imported pipeline: `run` steps, `container`, `services`,
 * `strategy.matrix`, `needs`, `if`, `env`, `timeout-minutes`, `continue-on-error`, and the actions
 * with a pipec meaning (checkout, cache, upload/download-artifact, setup-node/python/java/go as the
 * image). Every other `uses:` becomes a step that fails with a TODO naming the action.
 */
import type { ImportDiagnostics, Where } from "../diagnostics.ts";
import type { Cond, ImportedCache, ImportedInput, ImportedJob, ImportedMatrix, ImportedOutput, ImportedPipeline, ImportedService, ImportedStep, ImportedVar } from "../model.ts";
import { isMap, linesKey, readSourceYaml, type Lines } from "../source-yaml.ts";
import { inSingleQuotes } from "../predefined.ts";
import { githubCondition, scriptValue } from "./expression.ts";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SETUP_IMAGES: Readonly<Record<string, { input: string; image: (v: string) => string }>> = {
  "actions/setup-node": { input: "node-version", image: (v) => `node:${v.replace(/\.x$/, "")}` },
  "actions/setup-python": { input: "python-version", image: (v) => `python:${v.replace(/\.x$/, "")}` },
  "actions/setup-java": { input: "java-version", image: (v) => `eclipse-temurin:${v}` },
  "actions/setup-go": { input: "go-version", image: (v) => `golang:${v.replace(/\.x$/, "").replace(/^\^|^~/, "")}` },
};
const IGNORED_JOB_KEYS = new Set(["runs-on", "name", "steps", "needs", "if", "env", "container", "services", "strategy", "timeout-minutes", "continue-on-error", "defaults"]);

interface Context {
  readonly file: string;
  readonly lines: Lines;
  readonly diagnostics: ImportDiagnostics;
  readonly vars: Set<string>;
  /** Artifact name -> the job uploading it and its output name. */
  readonly uploads: Map<string, { job: string; output: string }>;
  /** Differences said once per file (the first place they occur). */
  readonly said: Set<string>;
}

export function importGithub(file: string, text: string, diagnostics: ImportDiagnostics): ImportedPipeline | null {
  const read = readSourceYaml(text);
  if (!read.ok) {
    diagnostics.fail("yaml-syntax", { file, line: read.line }, `not YAML: ${read.message}`, "fix the YAML (a linter such as yamllint shows the spot)");
    return null;
  }
  const doc = read.data;
  if (!isMap(doc) || !isMap(doc.jobs) || Object.keys(doc.jobs).length === 0) {
    diagnostics.fail("schema", { file, line: 1 }, "not a GitHub Actions workflow: no jobs: mapping", "import a .github/workflows/*.yml file, or a .gitlab-ci.yml with --from gitlab");
    return null;
  }
  const ctx: Context = { file, lines: read.lines, diagnostics, vars: new Set(), uploads: new Map(), said: new Set() };
  const at = (...path: (string | number)[]): Where => ({ file, line: read.lines.get(linesKey(path)) ?? read.lines.get(linesKey(path.slice(0, -1))) ?? read.lines.get(linesKey(path.slice(0, 2))) ?? 1 });
  const todos: string[] = [];
  for (const key of ["permissions", "concurrency"]) if (doc[key] !== undefined) diagnostics.approximated(at(key), `${key} does not apply to pipec run`);
  if (doc.on !== undefined || doc.true !== undefined) diagnostics.approximated(at("on"), "the triggers (on:) are not carried over: a pipec pipeline runs when you run it (pipec build --target github writes its own)");

  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const id of Object.keys(doc.jobs)) {
    let name = id.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "job";
    while (used.has(name)) name = `${name}-2`;
    used.add(name);
    names.set(id, name);
  }
  const jobs: ImportedJob[] = [];
  // Uploads first, so that downloads in any job find their producer.
  for (const [id, def] of Object.entries(doc.jobs)) if (isMap(def) && Array.isArray(def.steps)) def.steps.forEach((s) => {
    if (isMap(s) && typeof s.uses === "string" && s.uses.startsWith("actions/upload-artifact") && isMap(s.with) && s.with.path !== undefined) {
      const artifact = String(s.with.name ?? "artifact");
      if (artifact.includes("${{") || String(s.with.path).includes("${{")) return;
      ctx.uploads.set(artifact, { job: names.get(id)!, output: outputName(artifact) });
    }
  });
  for (const [id, def] of Object.entries(doc.jobs)) {
    if (!isMap(def)) {
      diagnostics.fail("schema", at("jobs", id), `job "${id}" is not a mapping`, "indent the job's keys under its id");
      continue;
    }
    jobs.push(importJob(id, def, names, (...path) => at("jobs", id, ...path), ctx));
  }
  if (diagnostics.failed) return null;

  const vars: Record<string, ImportedVar> = {};
  const on = isMap(doc.on) ? doc.on : {};
  const dispatch = isMap(on.workflow_dispatch) && isMap(on.workflow_dispatch.inputs) ? on.workflow_dispatch.inputs : {};
  for (const [name, input] of Object.entries(dispatch)) {
    if (!ENV_NAME.test(name) || !isMap(input)) continue;
    vars[name] = { default: input.default === undefined ? "" : String(input.default), ...(typeof input.description === "string" ? { description: input.description } : {}) };
  }
  for (const name of ctx.vars) vars[name] ??= { default: "" };
  return {
    name: (typeof doc.name === "string" ? doc.name : "ci").replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|-+$/g, "") || "ci",
    source: file,
    from: "github",
    env: envOf(doc.env, at("env"), todos, ctx),
    vars,
    jobs,
    todos,
  };
}

function importJob(id: string, def: Record<string, unknown>, names: ReadonlyMap<string, string>, at: (...path: (string | number)[]) => Where, ctx: Context): ImportedJob {
  const { diagnostics } = ctx;
  const todos: string[] = [];
  const where = at();
  for (const key of Object.keys(def)) {
    if (IGNORED_JOB_KEYS.has(key)) continue;
    if (key === "permissions" || key === "concurrency") diagnostics.approximated(at(key), `${key} does not apply to pipec run`);
    else if (key === "uses") todos.push(diagnostics.todo(at(key), `job "${id}" calls the reusable workflow ${def.uses}, which was not imported; the job fails until it is replaced`, "import that workflow too and add its jobs"));
    else todos.push(diagnostics.todo(at(key), `${key} was not carried over`));
  }
  let matrix = matrixOf(def.strategy, at("strategy"), todos, diagnostics);
  const matrixEnv = matrix !== undefined && Object.keys(matrix.axes).every((k) => ENV_NAME.test(k)) && (matrix.include ?? []).every((c) => Object.keys(c).every((k) => ENV_NAME.test(k)));
  const secrets = new Set<string>();
  const env = envOf(def.env, at("env"), todos, ctx, matrixEnv, secrets);
  let image: string | undefined;
  if (typeof def.container === "string") image = def.container;
  else if (isMap(def.container) && typeof def.container.image === "string") {
    image = def.container.image;
    for (const key of Object.keys(def.container)) if (key !== "image") todos.push(diagnostics.todo(at("container", key), `container ${key} was not carried over`));
  }
  if (image?.includes("${{")) {
    const m = /\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/.exec(image);
    if (m && matrix?.axes[m[1]!]) image = image.replace(m[0], `{{matrix.${m[1]}}}`);
    if (image.includes("${{")) {
      todos.push(diagnostics.todo(at("container"), `the container ${image} is an expression pipec import does not evaluate`));
      image = undefined;
    }
  }
  const services = servicesOf(def.services, at("services"), todos, ctx);
  const needs = (Array.isArray(def.needs) ? def.needs : def.needs === undefined ? [] : [def.needs]).map(String).filter((need) => {
    if (!names.has(need)) todos.push(diagnostics.todo(at("needs"), `needs "${need}", which is not a job of this workflow`));
    return names.has(need);
  }).map((need) => names.get(need)!);
  let cond: Cond | undefined;
  if (def.if !== undefined) cond = condition(String(def.if), at("if"), todos, ctx);
  const steps: ImportedStep[] = [];
  const outputs: Record<string, ImportedOutput> = {};
  const inputs: ImportedInput[] = [];
  const caches: ImportedCache[] = [];
  const defaults = isMap(def.defaults) && isMap(def.defaults.run) ? def.defaults.run : {};
  const stepList = Array.isArray(def.steps) ? def.steps : [];
  if (def.uses === undefined && !stepList.some((s) => isMap(s) && typeof s.uses === "string" && s.uses.startsWith("actions/checkout"))) {
    diagnostics.approximated(where, `job "${id}" does not check out the repository on GitHub; pipec runs every job in the project's workspace, with its files`);
  }
  if (def.uses === undefined && def["timeout-minutes"] === undefined) sayOnce(ctx, where, "timeout", "jobs without timeout-minutes had GitHub's limit of 6 hours; pipec stops a job after 1 hour by default", "give the job a timeout if it needs longer");
  if (typeof def.uses === "string") steps.push(failing(`TODO uses: ${def.uses}`, def.uses));
  stepList.forEach((raw, index) => {
    const stepAt = at("steps", index);
    if (!isMap(raw)) return;
    const stepTodos: string[] = [];
    const name = typeof raw.name === "string" ? raw.name.replace(/\$\{\{[^}]*\}\}/g, "").trim() || undefined : undefined;
    if (typeof raw.uses === "string") {
      const action = raw.uses.replace(/@.*$/, "");
      const wit = isMap(raw.with) ? raw.with : {};
      if (action === "actions/checkout") {
        diagnostics.approximated(stepAt, "actions/checkout is left out: pipec runs jobs in the project's workspace");
        return;
      }
      const setup = SETUP_IMAGES[action];
      if (setup && wit[setup.input] !== undefined && image === undefined) {
        const version = String(wit[setup.input]);
        const m = /^\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}$/.exec(version);
        if (m && matrix?.axes[m[1]!]) {
          const key = m[1]!;
          image = setup.image(`{{matrix.${key}}}`);
          // A version range (18.x) is no image tag: the values lose their .x when nothing else reads them.
          const values = [...matrix.axes[key]!, ...(matrix.include ?? []).flatMap((c) => (c[key] === undefined ? [] : [c[key]]))];
          if (values.some((v) => /\.x$/.test(v))) {
            const elsewhere = JSON.stringify({ ...def, steps: stepList.filter((s) => s !== raw), strategy: undefined }).includes(`matrix.${key}`);
            if (elsewhere) todos.push(diagnostics.todo(stepAt, `the versions ${values.join(", ")} of matrix.${key} are ranges, not image tags, and the job reads them elsewhere; write the image tags`));
            else {
              matrix = trimRanges(matrix, key);
              diagnostics.approximated(stepAt, `matrix.${key}: the version ranges ${values.join(", ")} become image tags without .x`);
            }
          }
        }
        else if (!version.includes("${{")) image = setup.image(version);
        if (image !== undefined) {
          diagnostics.approximated(stepAt, `${action} ${version} becomes the job's image ${image}`);
          const dropped = Object.keys(wit).filter((k) => k !== setup.input);
          if (dropped.length > 0) diagnostics.approximated(stepAt, `${action}: ${dropped.join(", ")} ${dropped.length === 1 ? "is" : "are"} not carried over (the image holds the tool)`, "add a cache to the job for the package manager's folder");
          return;
        }
      }
      if (action === "actions/cache" && wit.path !== undefined && wit.key !== undefined) {
        caches.push(cacheOf(wit, stepAt, diagnostics));
        return;
      }
      if (action === "actions/upload-artifact" && wit.path !== undefined) {
        const artifact = String(wit.name ?? "artifact");
        const paths = String(wit.path).split("\n").map((p) => p.trim()).filter((p) => p !== "" && !p.startsWith("!"));
        const exclude = String(wit.path).split("\n").map((p) => p.trim()).filter((p) => p.startsWith("!")).map((p) => p.slice(1));
        if (artifact.includes("${{") || paths.some((p) => p.includes("${{"))) todos.push(diagnostics.todo(stepAt, `upload-artifact ${artifact} uses expressions pipec import does not evaluate; left out`));
        else {
          const expire = wit["retention-days"] === undefined ? undefined : `${Number(wit["retention-days"])}d`;
          outputs[outputName(artifact)] = { paths, ...(exclude.length > 0 ? { exclude } : {}), ...(expire ? { expireIn: expire } : {}), ...(wit["if-no-files-found"] === "error" ? {} : { optional: true }) };
        }
        return;
      }
      if (action === "actions/download-artifact") {
        const wanted = wit.name === undefined ? [...ctx.uploads.entries()].filter(([, u]) => needs.includes(u.job)).map(([n]) => n) : [String(wit.name)];
        for (const artifact of wanted) {
          const upload = ctx.uploads.get(artifact);
          // A download that may fail (continue-on-error) is an input the job can run without.
          if (upload && upload.job !== names.get(id)) inputs.push(raw["continue-on-error"] === true ? { ...upload, optional: true } : upload);
          else todos.push(diagnostics.todo(stepAt, `download-artifact ${artifact}: no other job of this workflow uploads it`));
        }
        if (wit.path !== undefined) diagnostics.approximated(stepAt, `download-artifact path ${wit.path}: pipec restores outputs where they were collected`);
        return;
      }
      stepTodos.push(diagnostics.todo(stepAt, `uses: ${raw.uses} (an action) has no pipec equivalent; the step fails until it is replaced`, "write what the action does as a run step"));
      steps.push({ ...failing(name ? `TODO ${name}` : `TODO uses: ${raw.uses}`, raw.uses), todos: stepTodos });
      return;
    }
    if (raw.run === undefined) return;
    const shell = raw.shell ?? defaults.shell;
    if (shell !== undefined && !["bash", "sh"].includes(String(shell))) stepTodos.push(diagnostics.todo(stepAt, `shell: ${shell}: pipec runs steps with sh`));
    else if (shell !== "sh") sayOnce(ctx, stepAt, "bash", "run steps ran with bash on GitHub (its shell when none is named); pipec runs them with sh -e", "check the scripts for bash-only syntax ([[ ]], arrays, pipefail)");
    const run = rewriteScript(String(raw.run), stepAt, stepTodos, ctx, matrixEnv, secrets, true);
    if (run.trim() === "") {
      todos.push(...stepTodos, diagnostics.todo(stepAt, "a run step with an empty script was left out"));
      return;
    }
    let stepIf: ImportedStep["if"];
    if (raw.if !== undefined) {
      const c = githubCondition(String(raw.if));
      if (c.ok && c.cond.kind === "status" && c.cond.status !== "success") stepIf = c.cond.status;
      else if (!(c.ok && c.cond.kind === "status")) stepTodos.push(diagnostics.todo(stepAt, `step if ${JSON.stringify(raw.if)} was not carried over (pipec steps take success(), failure() or always()); the step always runs in order`));
    }
    const stepEnv = envOf(raw.env, stepAt, stepTodos, ctx, matrixEnv, secrets);
    let dir = raw["working-directory"] ?? defaults["working-directory"];
    if (typeof dir === "string" && dir.includes("${{")) {
      // The workspace is where pipec runs a step: a path under it is relative to it.
      const under = /^\$\{\{\s*github\.workspace\s*\}\}(?:\/+(.*?))?\/*$/.exec(dir.trim());
      if (under) dir = under[1] || undefined;
      else {
        stepTodos.push(diagnostics.todo(stepAt, `working-directory ${dir} is an expression pipec import does not evaluate; the step runs in the workspace`));
        dir = undefined;
      }
    }
    if (typeof dir === "string" && (dir.startsWith("/") || dir.startsWith("~") || dir.split("/").includes(".."))) {
      stepTodos.push(diagnostics.todo(stepAt, `working-directory ${dir} is outside the workspace, which pipec does not allow; the step runs in the workspace`));
      dir = undefined;
    }
    steps.push({
      ...(name ? { name } : { name: "run" }),
      run: [run.replace(/\n$/, "")],
      sources: [at("steps", index, "run")],
      ...(stepIf ? { if: stepIf } : {}),
      ...(raw["continue-on-error"] === true ? { continueOnFailure: true } : {}),
      ...(Object.keys(stepEnv).length > 0 ? { env: stepEnv } : {}),
      ...(typeof raw["timeout-minutes"] === "number" ? { timeout: `${raw["timeout-minutes"]}m` } : {}),
      ...(typeof dir === "string" ? { workingDirectory: dir } : {}),
      ...(stepTodos.length > 0 ? { todos: stepTodos } : {}),
    });
  });
  if (steps.length === 0) steps.push({ name: "run", run: ["true"], todos: [diagnostics.todo(where, `job "${id}" has no steps pipec can run`)] });
  if (services.length > 0 && image === undefined) diagnostics.approximated(where, "services run beside the job's container, reached at 127.0.0.1");
  return {
    name: names.get(id)!,
    where,
    ...(image ? { image } : {}),
    needs: needs.filter((n) => !inputs.some((i) => i.job === n)),
    inputs,
    ...(matrix ? { matrix: matrixEnv ? { ...matrix, asEnv: Object.keys(matrix.axes) } : matrix } : {}),
    env,
    ...(secrets.size > 0 ? { secrets: [...secrets].sort() } : {}),
    steps,
    ...(cond ? { if: cond } : {}),
    outputs,
    services,
    caches,
    ...(typeof def["timeout-minutes"] === "number" ? { timeout: `${def["timeout-minutes"]}m` } : {}),
    ...(def["continue-on-error"] === true ? { allowFailure: true } : {}),
    todos,
  };
}

function trimRanges(matrix: ImportedMatrix, key: string): ImportedMatrix {
  const trim = (v: string) => v.replace(/\.x$/, "");
  const combo = (c: Readonly<Record<string, string>>) => (c[key] === undefined ? c : { ...c, [key]: trim(c[key]) });
  return { ...matrix, axes: { ...matrix.axes, [key]: matrix.axes[key]!.map(trim) }, ...(matrix.include ? { include: matrix.include.map(combo) } : {}), ...(matrix.exclude ? { exclude: matrix.exclude.map(combo) } : {}) };
}

function sayOnce(ctx: Context, where: Where, key: string, message: string, hint: string): void {
  if (ctx.said.has(key)) return;
  ctx.said.add(key);
  ctx.diagnostics.approximated(where, message, hint);
}

const outputName = (artifact: string) => artifact.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^[^A-Za-z_]+/, "") || "artifact";

function failing(name: string, action: string): ImportedStep {
  return { name, run: [`echo ${JSON.stringify(`TODO: replace the action ${action} (not imported)`).replace(/\$/g, "\\$")} >&2`, "exit 1"] };
}

function condition(text: string, where: Where, todos: string[], ctx: Context): Cond | undefined {
  const parsed = githubCondition(text);
  if (!parsed.ok) {
    todos.push(ctx.diagnostics.todo(where, `if ${JSON.stringify(text)} was not carried over: ${parsed.message}; the job runs as if it held`));
    return undefined;
  }
  parsed.vars.forEach((v) => ctx.vars.add(v));
  return parsed.cond.kind === "and" && parsed.cond.all.length === 0 ? undefined : parsed.cond;
}

/** `${{ }}` in a script: env, secrets, vars, matrix and a few github values become variables; others a TODO. */
function rewriteScript(text: string, where: Where, todos: string[], ctx: Context, matrixEnv: boolean, secrets: Set<string>, quoted = false): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (whole, inner: string, offset: number) => {
    const value = scriptValue(inner, matrixEnv);
    if (value === null) {
      todos.push(ctx.diagnostics.todo(where, `the expression ${whole} has no pipec equivalent; it reads as empty`));
      return "";
    }
    if (value.secret) secrets.add(value.secret);
    if (value.vars) ctx.vars.add(value.vars);
    // GitHub pasted the value into the script; inside '...' the shell would not expand the variable.
    return quoted && inSingleQuotes(text, offset) ? `'"${value.text}"'` : value.text;
  });
}

function envOf(value: unknown, where: Where, todos: string[], ctx: Context, matrixEnv = false, secrets = new Set<string>()): Record<string, string> {
  if (!isMap(value)) return {};
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      todos.push(ctx.diagnostics.todo(where, `env ${JSON.stringify(name)} is not a valid environment variable name`));
      continue;
    }
    env[name] = rewriteScript(raw === null || raw === undefined ? "" : String(raw), where, todos, ctx, matrixEnv, secrets);
  }
  return env;
}

function matrixOf(strategy: unknown, where: Where, todos: string[], diagnostics: ImportDiagnostics): ImportedMatrix | undefined {
  if (!isMap(strategy) || strategy.matrix === undefined) return undefined;
  for (const key of ["fail-fast", "max-parallel"]) if (strategy[key] !== undefined) diagnostics.approximated(where, `strategy.${key} does not apply to pipec run`);
  const matrix = strategy.matrix;
  if (!isMap(matrix)) {
    todos.push(diagnostics.todo(where, `the matrix ${JSON.stringify(matrix)} is an expression pipec import does not evaluate`));
    return undefined;
  }
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  const axes: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude") continue;
    if (!Array.isArray(values) || !values.every(scalar)) {
      todos.push(diagnostics.todo(where, `matrix axis ${key} is not a list of plain values; left out`));
      continue;
    }
    axes[key] = values.map(String);
  }
  const combos = (list: unknown) => (Array.isArray(list) ? list.filter(isMap).filter((c) => Object.values(c).every(scalar)).map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v)]))) : []);
  const include = combos(matrix.include);
  const exclude = combos(matrix.exclude);
  if (Object.keys(axes).length === 0 && include.length === 0) return undefined;
  return { axes, ...(include.length > 0 ? { include } : {}), ...(exclude.length > 0 ? { exclude } : {}) };
}

function servicesOf(value: unknown, where: Where, todos: string[], ctx: Context): ImportedService[] {
  if (!isMap(value)) return [];
  const out: ImportedService[] = [];
  for (const [name, raw] of Object.entries(value)) {
    const image = typeof raw === "string" ? raw : isMap(raw) && typeof raw.image === "string" ? raw.image : null;
    if (image === null || image.includes("${{")) {
      todos.push(ctx.diagnostics.todo(where, `service ${name} has no plain image; left out`));
      continue;
    }
    const service: { -readonly [K in keyof ImportedService]: ImportedService[K] } = { name: name.replace(/[^A-Za-z0-9_.-]+/g, "-"), image };
    if (isMap(raw)) {
      const env = envOf(raw.env, where, todos, ctx);
      if (Object.keys(env).length > 0) service.env = env;
      const health = typeof raw.options === "string" ? /--health-cmd[= ]("([^"]*)"|'([^']*)'|(\S+))/.exec(raw.options) : null;
      if (health) service.readyCommand = ["sh", "-c", health[2] ?? health[3] ?? health[4]!];
      if (raw.ports !== undefined) ctx.diagnostics.approximated(where, `service ${name}: ports are not mapped; pipec services listen on 127.0.0.1 at their own ports`);
    }
    out.push(service);
  }
  return out;
}

function cacheOf(wit: Record<string, unknown>, where: Where, diagnostics: ImportDiagnostics): ImportedCache {
  const paths = String(wit.path).split("\n").map((p) => p.trim()).filter(Boolean);
  const key: ImportedCache["key"][number][] = [];
  for (const part of String(wit.key).split(/(\$\{\{[\s\S]*?\}\})/)) {
    const hash = /^\$\{\{\s*hashFiles\(([^)]*)\)\s*\}\}$/.exec(part);
    if (hash) key.push({ files: [...hash[1]!.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]!) });
    else if (part.startsWith("${{")) diagnostics.approximated(where, `cache key part ${part} is left out (pipec keys are text and file contents)`);
    else if (part.replace(/^-+|-+$/g, "") !== "") key.push(part.replace(/^-+|-+$/g, ""));
  }
  if (wit["restore-keys"] !== undefined) diagnostics.approximated(where, "cache restore-keys are not carried over: pipec restores exact keys");
  return { key: key.length === 0 ? ["default"] : key, paths };
}
