/**
 * The normal form the GitHub round trip compares: per job expansion (a matrix job is one entry per
 * combination, as GitHub runs it), its container, services, needs, condition, timeout,
 * continue-on-error, and per run step its name, condition, shell, script, working directory and the
 * environment it sees. The rules, original side (O) and emitted side (E), each with its reason:
 *
 * - O1/E1 Not compared: `on:` (a pipec pipeline runs when it is run; the emitter writes its own
 *   triggers), `permissions`, `concurrency`, `runs-on` (only `ubuntu-*` is in the subset: the job's
 *   image stands for it, O2) and job display names (pipec has none; GitHub shows the id).
 * - O2 A job without `container` ran on the runner's machine: it compares as the import's --image.
 *   Said by the import ("jobs without an image").
 * - O3 `setup-node|python|java|go` with a version compares as the image the import names for it
 *   (node:V, python:V, eclipse-temurin:V, golang:V, a trailing `.x` dropped). Said by the import.
 * - O4/E2 `actions/checkout` is not compared: the emitter checks out in every job, pipec runs every
 *   job in the project's workspace. A job that did not check out is said by the import.
 * - O5/E3 Shell: GitHub runs a step without `shell:` (and `shell: bash`) with bash, pipec with
 *   `sh -e`; both compare as "sh". Said by the import. Other shells are outside the subset.
 * - O6/E7 Timeout: a job without `timeout-minutes` had GitHub's 360; pipec's default is 60 minutes.
 *   Both compare as "default". Said by the import.
 * - O7 A step without a name compares as "run" (the import's name; GitHub's label is UI only).
 * - O3 (cont.) A matrix key that only chose that version holds image tags: `18.x` compares as `18`,
 *   in the image and in the combination. Said by the import.
 * - O9 A `working-directory` under `${{ github.workspace }}` is the path relative to it: steps start
 *   in the workspace on both sides.
 * - E8 The import closes a single-quoted string around an expression's variable (`'"${X}"'`), so the
 *   shell expands it there as GitHub's substitution did: read as `${X}` at that spot.
 * - E9 An env variable that holds the secret of its own name is not compared, on either side: the
 *   import passes every secret a script reads that way (E5 reads it back at the spot).
 * - O10 The workflow's name compares with other characters than letters, digits, `_`, `.` and `-`
 *   as `-` (pipec's names; the emitter writes the plan's).
 * - O8 In scripts and env values: `${{ env.X }}` is the environment variable X (`${X}`); `${{
 *   matrix.k }}` is the combination's value (GitHub substitutes it before the shell runs); spaces
 *   inside `${{ }}` are not significant; `$GITHUB_WORKSPACE` is `${{ github.workspace }}` and
 *   `$GITHUB_SHA` is `${{ github.sha }}` (GitHub documents them as the same values).
 * - E1 The env the emitter adds for pipec's own variables (CI, PIPEC, PIPEC_PIPELINE, PIPEC_RUN_ID,
 *   PIPEC_GIT_*, PIPEC_JOB, PIPEC_JOB_NAME) is not compared; E5 reads them.
 * - E4 The emitter writes env templates as `export X="..."` lines at the top of the step's script
 *   (and `cd "dir"` for a working directory): they are the step's env (and working directory).
 * - E5 `${X}` where the env gives X as one expression `${{ e }}` (a secret, github.sha, the
 *   workspace) reads `${{ e }}`: the shell sees the value GitHub put there.
 * - E6 pipec exports matrix values under their keys: `${k}` reads the combination's value, and the
 *   keys are not compared as env (GitHub substitutes `${{ matrix.k }}` instead).
 */
import YAML from "yaml";

export interface NormalStep {
  name: string;
  if: string | null;
  shell: "sh";
  run: string;
  workingDirectory: string | null;
  env: Record<string, string>;
  timeoutMinutes: number | null;
  continueOnError: boolean;
}

export interface NormalJob {
  container: string;
  services: Record<string, { image: string; env: Record<string, string> }>;
  needs: string[];
  if: string | null;
  timeoutMinutes: number | "default";
  continueOnError: boolean;
  steps: NormalStep[];
}

export interface NormalForm {
  name: string;
  /** Key: `id` or `id {"k":"v"}` (the combination, keys sorted). */
  jobs: Record<string, NormalJob>;
}

/** What the import must have said where a rule evened out a difference (matched in its diagnostics). */
export const SAID = {
  "runner image": /jobs without an image ran in the runner's machine/,
  "setup action as image": /becomes the job's image/,
  "version ranges as tags": /become image tags without \.x/,
  "job without checkout": /does not check out the repository/,
  "bash as sh": /ran with bash on GitHub/,
  "default timeout": /without timeout-minutes had GitHub's limit of 6 hours/,
} as const;
export type Said = keyof typeof SAID;

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
const SETUP: Readonly<Record<string, [string, (v: string) => string]>> = {
  "actions/setup-node": ["node-version", (v) => `node:${v.replace(/\.x$/, "")}`],
  "actions/setup-python": ["python-version", (v) => `python:${v.replace(/\.x$/, "")}`],
  "actions/setup-java": ["java-version", (v) => `eclipse-temurin:${v}`],
  "actions/setup-go": ["go-version", (v) => `golang:${v.replace(/\.x$/, "").replace(/^[\^~]/, "")}`],
};
const JOB_KEYS = new Set(["runs-on", "name", "steps", "needs", "if", "env", "container", "services", "strategy", "timeout-minutes", "continue-on-error"]);
const STEP_KEYS = new Set(["name", "run", "uses", "with", "env", "if", "shell", "working-directory", "timeout-minutes", "continue-on-error"]);

/** Why a workflow (that imports without TODOs) is outside the subset, or null. */
export function outsideSubset(text: string): string | null {
  const doc = YAML.parse(text) as Doc;
  for (const [id, job] of Object.entries(doc.jobs as Doc)) {
    if (!isMap(job)) return "a job is not a mapping";
    const extra = Object.keys(job).filter((k) => !JOB_KEYS.has(k));
    if (extra.length > 0) return `job keys the normal form does not compare (${extra.sort().join(", ")})`;
    if (typeof job["runs-on"] !== "string" || !/^ubuntu-/.test(job["runs-on"])) return "runs-on other than a literal ubuntu-* (pipec runs jobs in a Linux container)";
    const strategy = isMap(job.strategy) ? job.strategy : {};
    if (Object.keys(strategy).some((k) => k !== "matrix")) return "strategy options other than matrix (fail-fast, max-parallel do not apply to pipec run)";
    for (const raw of Array.isArray(job.steps) ? job.steps : []) {
      if (!isMap(raw)) return `job ${id} has an empty step`;
      const keys = Object.keys(raw).filter((k) => !STEP_KEYS.has(k));
      if (keys.length > 0) return `step keys the normal form does not compare (${keys.sort().join(", ")})`;
      const action = typeof raw.uses === "string" ? raw.uses.replace(/@.*$/, "") : null;
      if (action !== null && action !== "actions/checkout" && !SETUP[action]) return `actions other than checkout and setup-* (${action}: pipec runs caches and artifacts at fixed points of the job)`;
      if (action === "actions/checkout" && raw.with !== undefined) return "actions/checkout with options";
      if (action !== null && SETUP[action] && Object.keys(isMap(raw.with) ? raw.with : {}).some((k) => k !== SETUP[action]![0])) return "setup-* with options other than the version (caching, registries)";
    }
  }
  return null;
}

/** GitHub's matrix expansion (documented rules, written here independently of pipec's). */
function combinations(strategy: unknown): Record<string, string>[] {
  if (!isMap(strategy) || !isMap(strategy.matrix)) return [{}];
  const matrix = strategy.matrix;
  const text = (r: Doc) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const axes = Object.entries(matrix).filter(([k]) => k !== "include" && k !== "exclude") as [string, unknown[]][];
  let combos: Record<string, string>[] = axes.length === 0 ? [] : [{}];
  for (const [key, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: String(v) })));
  const exclude = (Array.isArray(matrix.exclude) ? matrix.exclude : []).map(text);
  combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => c[k] === v)));
  const original = combos.map((c) => ({ ...c }));
  for (const include of (Array.isArray(matrix.include) ? matrix.include : []).map(text)) {
    let added = false;
    combos.forEach((combo, i) => {
      // Added to a combination when it overwrites none of the original matrix values.
      if (Object.entries(include).every(([k, v]) => !(k in original[i]!) || original[i]![k] === v)) {
        Object.assign(combo, include);
        added = true;
      }
    });
    if (!added) combos.push(include);
  }
  return combos;
}

const keyOf = (id: string, combo: Record<string, string>) => (Object.keys(combo).length === 0 ? id : `${id} ${JSON.stringify(Object.fromEntries(Object.entries(combo).sort()))}`);
const expr = (text: string) => text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, inner: string) => `\${{ ${inner} }}`);
const stripIf = (value: unknown) => (value === undefined ? null : expr(String(value)).replace(/^\$\{\{ ([\s\S]*) \}\}$/, "$1").trim());
const envText = (value: unknown) => (value === null || value === undefined ? "" : String(value));

/** O8: GitHub's substitutions in text, in the normal form's terms. */
function originalText(text: string, combo: Record<string, string>): string {
  return expr(text)
    .replace(/\$\{\{ env\.([A-Za-z_][A-Za-z0-9_]*) \}\}/g, "${$1}")
    .replace(/\$\{\{ matrix\.([A-Za-z_][A-Za-z0-9_-]*) \}\}/g, (whole, k: string) => combo[k] ?? whole)
    .replace(/\$\{?GITHUB_WORKSPACE\}?\b/g, "${{ github.workspace }}")
    .replace(/\$\{?GITHUB_SHA\}?\b/g, "${{ github.sha }}");
}

export function normaliseOriginal(text: string, defaultImage: string): { form: NormalForm; used: Set<Said> } {
  const doc = YAML.parse(text) as Doc;
  const used = new Set<Said>();
  const jobs: Record<string, NormalJob> = {};
  const workflowEnv = isMap(doc.env) ? doc.env : {};
  for (const [id, job] of Object.entries(doc.jobs as Record<string, Doc>)) {
    const rawSteps = (Array.isArray(job.steps) ? job.steps : []) as Doc[];
    if (!rawSteps.some((s) => typeof s.uses === "string" && s.uses.startsWith("actions/checkout"))) used.add("job without checkout");
    if (job["timeout-minutes"] === undefined) used.add("default timeout");
    // O3: a matrix key that only chose a setup action's version holds image tags (18.x -> 18).
    const versionKeys = rawSteps.flatMap((s) => {
      const setup = typeof s.uses === "string" ? SETUP[s.uses.replace(/@.*$/, "")] : undefined;
      const m = setup && isMap(s.with) ? /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(String(s.with[setup[0]])) : null;
      return m ? [m[1]!] : [];
    });
    for (const raw of combinations(job.strategy)) {
      const combo = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, versionKeys.includes(k) && /\.x$/.test(v) ? (used.add("version ranges as tags"), v.slice(0, -2)) : v]));
      const t = (value: unknown) => originalText(envText(value), combo);
      const env = (layer: unknown) => Object.fromEntries(Object.entries(isMap(layer) ? layer : {}).map(([k, v]) => [k, t(v)]));
      let container = typeof job.container === "string" ? job.container : isMap(job.container) ? String(job.container.image) : null;
      const steps: NormalStep[] = [];
      for (const step of rawSteps) {
        const action = typeof step.uses === "string" ? step.uses.replace(/@.*$/, "") : null;
        if (action === "actions/checkout") continue;
        if (action !== null) {
          const [input, image] = SETUP[action]!;
          container ??= image(t((step.with as Doc)[input]));
          used.add("setup action as image");
          continue;
        }
        if (step.shell === undefined || step.shell === "bash") used.add("bash as sh");
        steps.push({
          name: typeof step.name === "string" ? step.name : "run",
          if: stripIf(step.if),
          shell: "sh",
          run: t(step.run).replace(/\n$/, ""),
          workingDirectory: typeof step["working-directory"] === "string" ? t(step["working-directory"]).replace(/^\$\{\{ github\.workspace \}\}\/*/, "") || null : null,
          env: withoutOwnSecrets({ ...env(workflowEnv), ...env(job.env), ...env(step.env) }),
          timeoutMinutes: typeof step["timeout-minutes"] === "number" ? step["timeout-minutes"] : null,
          continueOnError: step["continue-on-error"] === true,
        });
      }
      if (container === null) {
        container = defaultImage;
        used.add("runner image");
      }
      const services = Object.fromEntries(Object.entries(isMap(job.services) ? job.services : {}).map(([name, s]) => [name, { image: t(isMap(s) ? s.image : s), env: env(isMap(s) ? s.env : undefined) }]));
      jobs[keyOf(id, combo)] = {
        container: t(container),
        services,
        needs: (Array.isArray(job.needs) ? job.needs : job.needs === undefined ? [] : [job.needs]).map(String).sort(),
        if: stripIf(job.if),
        timeoutMinutes: typeof job["timeout-minutes"] === "number" ? job["timeout-minutes"] : "default",
        continueOnError: job["continue-on-error"] === true,
        steps,
      };
    }
  }
  const name = typeof doc.name === "string" ? doc.name : "ci";
  return { form: { name: name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|-+$/g, ""), jobs }, used };
}

const PIPEC_ENV = ["CI", "PIPEC", "PIPEC_PIPELINE", "PIPEC_RUN_ID", "PIPEC_GIT_SHA", "PIPEC_GIT_BRANCH", "PIPEC_GIT_TAG", "PIPEC_JOB", "PIPEC_JOB_NAME"];
const EXPORT = /^export ([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/;

export function normaliseEmitted(text: string): NormalForm {
  const doc = YAML.parse(text) as Doc;
  const workflowEnv = (doc.env ?? {}) as Record<string, string>;
  const jobsDoc = doc.jobs as Record<string, Doc>;
  const baseOf = new Map(Object.entries(jobsDoc).map(([engineId, job]) => [engineId, parseName(String(job.name)).id]));
  const jobs: Record<string, NormalJob> = {};
  for (const job of Object.values(jobsDoc)) {
    const { id, combo } = parseName(String(job.name));
    const jobEnv = (job.env ?? {}) as Record<string, string>;
    const steps = (job.steps as Doc[]).filter((s, i) => !(i === 0 && s.uses === "actions/checkout@v4"));
    const normalSteps = steps.map((step): NormalStep => {
      if (step.uses !== undefined || step.shell !== "sh -e {0}") throw new Error(`emitted step outside the normal form: ${JSON.stringify(step)}`);
      const lines = String(step.run).replace(/\n$/, "").split("\n");
      const exported: Record<string, string> = {};
      let dir: string | null = null;
      while (lines.length > 0) {
        const m = EXPORT.exec(lines[0]!);
        if (m && !(m[1] === "PIPEC_WORKSPACE" && m[2] === "$GITHUB_WORKSPACE")) exported[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
        else if (/^cd "(.*)"$/.test(lines[0]!)) dir = /^cd "(.*)"$/.exec(lines[0]!)![1]!;
        else if (!m) break;
        lines.shift();
      }
      const env: Record<string, string> = { ...workflowEnv, ...jobEnv, ...((step.env ?? {}) as Record<string, string>), ...exported };
      const read = (value: string) => resolve(value, env, combo);
      return {
        name: String(step.name),
        if: stripIf(step.if),
        shell: "sh",
        run: read(lines.join("\n").replace(/'"(\$\{[A-Za-z_][A-Za-z0-9_]*\})"'/g, "$1")),
        workingDirectory: dir === null ? null : read(dir),
        env: Object.fromEntries(Object.entries(withoutOwnSecrets(env)).filter(([k]) => !PIPEC_ENV.includes(k) && !(k in combo)).map(([k, v]) => [k, read(v)])),
        timeoutMinutes: typeof step["timeout-minutes"] === "number" ? step["timeout-minutes"] : null,
        continueOnError: step["continue-on-error"] === true,
      };
    });
    const services = Object.fromEntries(Object.entries(isMap(job.services) ? job.services : {}).map(([name, s]) => [name, { image: String((s as Doc).image), env: ((s as Doc).env ?? {}) as Record<string, string> }]));
    jobs[keyOf(id, combo)] = {
      container: String(job.container),
      services,
      needs: [...new Set(((job.needs ?? []) as string[]).map((n) => baseOf.get(n) ?? n))].sort(),
      if: stripIf(job.if),
      timeoutMinutes: job["timeout-minutes"] === 60 ? "default" : Number(job["timeout-minutes"]),
      continueOnError: job["continue-on-error"] === true,
      steps: normalSteps,
    };
  }
  return { name: String(doc.name), jobs };
}

/** E9: an env variable holding the secret of its own name (how the import passes a secret a script reads). */
function withoutOwnSecrets(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => expr(v) !== `\${{ secrets.${k} }}`));
}

/** `build (node=18, os=linux)` -> the job and its combination. */
function parseName(name: string): { id: string; combo: Record<string, string> } {
  const m = /^(.*?) \((.*)\)$/.exec(name);
  if (!m) return { id: name, combo: {} };
  return { id: m[1]!, combo: Object.fromEntries(m[2]!.split(", ").map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)])) };
}

/** E5, E6: `${X}` read back as the expression or matrix value the env gives it. */
function resolve(text: string, env: Readonly<Record<string, string>>, combo: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    if (name in combo) return combo[name]!;
    if (name === "PIPEC_WORKSPACE") return "${{ github.workspace }}";
    const value = env[name];
    return value !== undefined && /^\$\{\{[^}]*\}\}$/.test(value) ? expr(value) : whole;
  });
}
