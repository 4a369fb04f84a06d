/**
 * `${{ ... }}` left in a script after matrix expansion. Scripts go to `sh -e -c` verbatim, so
 * `${{ vars.X }}` fails at run time with "Bad substitution"; the values are in the step's environment
 * (`$X`, `$PIPEC_GIT_BRANCH`). Covered: step scripts, and argv commands that are shell scripts
 * (`["sh", "-c", SCRIPT]`) in services, ready commands, health checks, metric commands and process or
 * docker targets. Other argv commands run without a shell and are not scripts.
 */
import { parseExpression, type Expr } from "../../runtime/plan/expression/index.ts";
import type { Analysis, EnvValue, Job, Plan, PlanInput } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf, labelPath } from "../label.ts";
import { matrixJobName } from "../matrix.ts";
import { defaultStepName } from "../step-defaults.ts";

type Env = Readonly<Record<string, EnvValue>>;

/** The variable pipec sets for each context property a script may want. */
const SYSTEM_FORMS: Readonly<Record<string, string>> = {
  "git.branch": "PIPEC_GIT_BRANCH",
  "git.sha": "PIPEC_GIT_SHA",
  "git.tag": "PIPEC_GIT_TAG",
  "pipeline.name": "PIPEC_PIPELINE",
  "run.id": "PIPEC_RUN_ID",
};
const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh"]);

export function checkScripts(plan: Pick<Plan, "env">, jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [id, job] of Object.entries(jobs)) {
    const check = (script: string, what: () => string, path: PlanPath, envs: readonly Env[], templated = false) => {
      // The fast path: nearly every script has no "${{".
      if (!script.includes("${{")) return;
      for (const found of expressionsIn(templated ? script.replace(/\$\$/g, "$") : script)) {
        const hint = found.pid ? `in a script $$ is the shell's process id, not an escape; write \\\${{ for a literal \${{` : hintFor(found.inner, job, envs);
        diagnostics.push(error("expression-in-script", `${what()}: ${found.text} is not expanded in scripts, which run in sh`, draft.locate(path), hint));
      }
    };
    const envs = [job.env, plan.env];
    job.steps.forEach((step, index) => {
      check(step.run, () => stepLabel(id, job, index), ["jobs", id, "steps", index, "run"], [step.env, ...envs]);
    });
    const command = (argv: readonly string[] | null, path: PlanPath, env: Env, templated = false) => {
      const at = shellScriptIndex(argv);
      if (at !== null) check(argv![at]!, () => labelOf(draft, [...path, at]), [...path, at], [env, ...envs], templated);
    };
    job.services.forEach((service, index) => {
      command(service.command, ["jobs", id, "services", index, "command"], service.env);
      command(service.readyCommand, ["jobs", id, "services", index, "readyCommand"], service.env);
    });
    const deploy = job.deploy;
    if (deploy) {
      const path = ["jobs", id, "deploy"];
      // Target commands go through variable templates first, where $$ is a literal $.
      command(deploy.target.command, [...path, "target", "command"], deploy.target.env, true);
      command(deploy.healthCheck.command, [...path, "healthCheck", "command"], {});
      const analyses: [Analysis | null, PlanPath][] = [];
      if (deploy.strategy === "blueGreen") analyses.push([deploy.prePromotionAnalysis, [...path, "prePromotionAnalysis"]], [deploy.postPromotionAnalysis, [...path, "postPromotionAnalysis"]]);
      else analyses.push([deploy.analysis, [...path, "analysis"]]);
      if (deploy.strategy === "canary") deploy.steps.forEach((step, s) => step.kind === "analysis" && analyses.push([step.analysis, [...path, "steps", s, "analysis"]]));
      for (const [analysis, at] of analyses) {
        analysis?.metrics.forEach(({ provider }, m) => provider.kind === "command" && command(provider.run, [...at, "metrics", m, "provider", "run"], {}));
      }
    }
  }
  return diagnostics;
}

/**
 * `job "test": step 2`, named by the job rather than the matrix expansion (one message for all of
 * them), with the step's name only when the author gave one that the script does not already say.
 */
function stepLabel(id: string, job: Job, index: number): string {
  const step = job.steps[index]!;
  const base = job.matrix && job.name.endsWith(matrixJobName("", job.matrix)) ? job.name.slice(0, -matrixJobName("", job.matrix).length) : id;
  const named = job.matrix === null && step.name !== defaultStepName(step.run, index);
  const steps = Array.from({ length: index + 1 }, (_, i) => (i === index && named ? { name: step.name } : {}));
  return labelPath({ jobs: { [base]: { steps } } } as unknown as PlanInput, ["jobs", base, "steps", index]);
}

interface Found {
  /** The expression as written, `${{ vars.X }}`. */
  readonly text: string;
  readonly inner: string;
  /** Written `$${{`: the shell reads `$$` (its process id), not an escape. */
  readonly pid: boolean;
}

/** Each distinct `${{ ... }}` the shell would see, in order; `\${{` is a literal and skipped. */
function expressionsIn(script: string): Found[] {
  const found = new Map<string, Found>();
  for (let start = script.indexOf("${{"); start !== -1; start = script.indexOf("${{", start + 3)) {
    let dollars = 0;
    while (script[start - 1 - dollars] === "$") dollars++;
    let slashes = 0;
    while (script[start - 1 - dollars - slashes] === "\\") slashes++;
    // The `$`s before this one that the shell reads as `$`: an escaped first one does not count.
    const live = dollars - (slashes % 2);
    if (dollars === 0 && slashes % 2 === 1) continue;
    if (isCommentLine(script, start)) continue;
    const end = expressionEnd(script, start);
    const text = script.slice(start, end);
    if (!found.has(text)) found.set(text, { text, inner: text.endsWith("}}") ? text.slice(3, -2).trim() : text.slice(3).trim(), pid: live % 2 === 1 });
  }
  return [...found.values()];
}

/** A whole-line `#` comment: the shell never reads it. */
function isCommentLine(script: string, offset: number): boolean {
  const lineStart = script.lastIndexOf("\n", offset) + 1;
  return script.slice(lineStart, offset).trimStart().startsWith("#");
}

/** End of a `${{ ... }}` expression, skipping `'quoted'` text (as the variable templates do); the line's end when unclosed. */
function expressionEnd(text: string, start: number): number {
  let quoted = false;
  for (let i = start + 3; i < text.length; i++) {
    if (text[i] === "\n") return i;
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith("}}", i)) return i + 2;
  }
  return text.length;
}

/** Where an argv command carries a shell script (`sh -c SCRIPT`, `bash -euc SCRIPT`), or null. */
export function shellScriptIndex(argv: readonly string[] | null): number | null {
  if (!argv || !SHELLS.has(argv[0]?.split("/").pop() ?? "")) return null;
  for (let i = 1; i < argv.length - 1; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg.startsWith("--")) return null;
    if (arg.includes("c")) return i + 1;
  }
  return null;
}

/** What to write instead, in the shell's terms. */
function hintFor(inner: string, job: Job, envs: readonly Env[]): string {
  const parsed = parseExpression(inner);
  if (!parsed.ok) return "scripts are not templates: read values from the environment, as $NAME";
  const expr = parsed.expr;
  if (expr.kind === "context") return contextHint(expr.root, expr.path, job, envs);
  const forms = [...new Set(contextsOf(expr).map((c) => shellForm(c.root, c.path, envs)).filter((f) => f !== null))];
  const read = forms.length > 0 ? `, reading ${forms.join(", ")}` : "";
  return `compute it in the shell${read}; a condition on the whole step belongs in its if`;
}

function contextHint(root: string, path: readonly (string | number)[], job: Job, envs: readonly Env[]): string {
  const key = path.map(String).join(".");
  if (root === "vars" || root === "env" || root === "secrets") {
    const form = shellForm(root, path, envs);
    if (form === null) return `write $${key}, with ${key} set from the secret in the job's env: variables, env and secrets are in the step's environment`;
    return `write ${form}: variables, env and secrets are in the step's environment`;
  }
  const system = SYSTEM_FORMS[`${root}.${key}`];
  if (system) return `write $${system}: pipec sets it in every job${root === "git" ? ` (when the ${key} is known)` : ""}`;
  if (root === "matrix") {
    const known = job.matrix !== null && Object.hasOwn(job.matrix, key);
    if (known) return `write the steps as a function of the matrix: steps: ({ matrix }) => [\`... \${matrix.${key}}\`]`;
    return job.matrix === null ? "the job has no matrix" : `the job's matrix has no key "${key}"; its keys are: ${Object.keys(job.matrix).join(", ")}`;
  }
  if (root === "needs") return "needs.* is not available to scripts; use it in a condition (if) on the step or the job";
  return `${root}.* is not available to scripts; read values from the environment, as $NAME (CI, PIPEC_RUN_ID, PIPEC_GIT_BRANCH, ...)`;
}

/** `$X` for vars and env, the env name a secret is given for secrets; null for anything else. */
function shellForm(root: string, path: readonly (string | number)[], envs: readonly Env[]): string | null {
  const name = typeof path[0] === "string" ? path[0] : null;
  if (name === null) return null;
  if (root === "vars" || root === "env") return `$${name}`;
  if (root === "secrets") {
    for (const env of envs) for (const [key, value] of Object.entries(env)) if (typeof value !== "string" && value.secret === name) return `$${key}`;
    return null;
  }
  const system = SYSTEM_FORMS[`${root}.${path.map(String).join(".")}`];
  return system ? `$${system}` : null;
}

function contextsOf(expr: Expr): { root: string; path: readonly (string | number)[] }[] {
  switch (expr.kind) {
    case "literal":
      return [];
    case "context":
      return [{ root: expr.root, path: expr.path }];
    case "call":
      return expr.args.flatMap(contextsOf);
    case "unary":
      return contextsOf(expr.operand);
    case "binary":
      return [...contextsOf(expr.left), ...contextsOf(expr.right)];
  }
}
