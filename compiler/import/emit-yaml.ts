/**
 * Prints an imported pipeline in pipec's YAML dialect (`pipec import --format yaml`), closer to the
 * source than TypeScript: jobs by name with `depends_on` and `inputs: [job.output]`, conditions as
 * expressions, and every TODO as a comment above the job (or at the top).
 */
import YAML from "yaml";
import type { Cond, CondOperand, CondRef, ImportedJob, ImportedPipeline, ImportedStep } from "./model.ts";

type Doc = Record<string, unknown>;

export function emitYaml(imported: ImportedPipeline, order: readonly ImportedJob[]): string {
  const jobs: Doc = {};
  for (const job of order) jobs[job.name] = printJob(job);
  const top: Doc = {
    name: imported.name,
    ...(imported.image ? { image: imported.image } : {}),
    ...(Object.keys(imported.env).length > 0 ? { global_env: imported.env } : {}),
    ...(Object.keys(imported.vars).length > 0 ? { vars: Object.fromEntries(Object.entries(imported.vars).map(([k, v]) => [k, v.description === undefined ? v.default : { default: v.default, description: v.description }])) } : {}),
    jobs,
  };
  const doc = new YAML.Document(top);
  doc.commentBefore = [
    ` Imported by \`pipec import\` from ${imported.source} (${imported.from === "gitlab" ? "GitLab CI" : "GitHub Actions"}).`,
    " Every TODO names the source line pipec could not carry over; the import's diagnostics list them too.",
    ...imported.todos.map((t) => ` ${oneLine(t)}`),
  ].join("\n");
  const jobsNode = doc.get("jobs") as YAML.YAMLMap;
  for (const pair of jobsNode.items) {
    const job = order.find((j) => j.name === String((pair.key as YAML.Scalar).value))!;
    const notes = [...job.todos, ...job.steps.flatMap((s) => s.todos ?? [])];
    if (notes.length > 0) (pair.key as YAML.Scalar).commentBefore = notes.map((t) => ` ${oneLine(t)}`).join("\n");
  }
  return doc.toString({ lineWidth: 0 });
}

function printJob(job: ImportedJob): Doc {
  const env: Doc = { ...job.env };
  if (job.matrix?.asEnv) {
    // A key only some include entries set has no value in the others: YAML reads only the common ones.
    const include = job.matrix.include ?? [];
    const common = Object.keys(job.matrix.axes).length > 0 ? Object.keys(job.matrix.axes) : Object.keys(include[0] ?? {}).filter((k) => include.every((c) => k in c));
    for (const key of common) env[key] = `\${{ matrix.${key} }}`;
  }
  return {
    ...(job.matrix ? { matrix: { ...job.matrix.axes, ...(job.matrix.include?.length ? { include: job.matrix.include } : {}), ...(job.matrix.exclude?.length ? { exclude: job.matrix.exclude } : {}) } } : {}),
    ...(job.image ? { image: job.image.replace(/\{\{matrix\.([^}]+)\}\}/g, (_, k: string) => `\${{ matrix.${k} }}`) } : {}),
    ...(job.needs.length > 0 ? { depends_on: job.needs } : {}),
    ...(job.inputs.length > 0 ? { inputs: job.inputs.map((i) => (i.optional ? { from: `${i.job}.${i.output}`, optional: true } : `${i.job}.${i.output}`)) } : {}),
    ...(job.if ? { conditional: `\${{ ${expression(job.if)} }}` } : {}),
    ...(job.services.length > 0 ? { services: job.services.map((s) => ({ name: s.name, image: s.image, ...(s.command ? { command: s.command } : {}), ...(s.env ? { environment: s.env } : {}), ...(s.readyCommand ? { ready_command: s.readyCommand } : {}) })) } : {}),
    ...(job.caches.length > 0 ? { cache: job.caches.map((c) => ({ key: c.key.map((part) => (typeof part === "string" ? part : { files: part.files })), paths: c.paths, ...(c.policy ? { policy: c.policy } : {}) })) } : {}),
    ...(Object.keys(env).length > 0 ? { environment: env } : {}),
    ...(job.secrets?.length ? { secrets: job.secrets } : {}),
    steps: job.steps.map(printStep),
    ...(Object.keys(job.outputs).length > 0
      ? { artifacts: Object.fromEntries(Object.entries(job.outputs).map(([name, o]) => [name, { paths: o.paths, ...(o.exclude?.length ? { exclude: o.exclude } : {}), ...(o.expireIn ? { expire_in: o.expireIn } : {}), ...(o.optional ? { optional: true } : {}) }])) }
      : {}),
    ...(job.timeout ? { timeout: job.timeout } : {}),
    ...(job.retry ? { retry: job.retry.on === undefined && job.retry.exitCodes === undefined ? job.retry.max : { max: job.retry.max, ...(job.retry.on ? { when: job.retry.on } : {}), ...(job.retry.exitCodes ? { exit_codes: job.retry.exitCodes } : {}) } } : {}),
    ...(job.allowFailure ? { allow_failure: true } : {}),
  };
}

function printStep(step: ImportedStep): unknown {
  const script = step.run.length === 1 ? step.run[0]! : step.run;
  const simple = step.if === undefined && !step.continueOnFailure && !step.env && !step.timeout && !step.workingDirectory;
  if (simple && typeof script === "string" && (step.name === undefined || step.name === "script")) return script;
  return {
    ...(step.name ? { name: step.name } : {}),
    script,
    ...(step.if ? { conditional: `\${{ ${step.if}() }}` } : {}),
    ...(step.continueOnFailure ? { continue_on_failure: true } : {}),
    ...(step.env ? { environment: step.env } : {}),
    ...(step.timeout ? { timeout: step.timeout } : {}),
    ...(step.workingDirectory ? { working_directory: step.workingDirectory } : {}),
  };
}

/** A condition as pipec expression text (the language `when.*` builds). */
export function expression(c: Cond): string {
  switch (c.kind) {
    case "status":
      return `${c.status}()`;
    case "false":
      return "false";
    case "truthy":
      return ref(c.ref);
    case "eq":
    case "ne":
      return `${operand(c.left)} ${c.kind === "eq" ? "==" : "!="} ${operand(c.right)}`;
    case "not":
      return `!(${expression(c.operand)})`;
    case "and":
    case "or":
      return c.all.length === 0 ? "true" : c.all.map((x) => (x.kind === "and" || x.kind === "or" ? `(${expression(x)})` : expression(x))).join(c.kind === "and" ? " && " : " || ");
    case "call":
      return `${c.name}(${ref(c.subject)}, ${quote(c.text)})`;
  }
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ref = (r: CondRef) => (r.root === "git" && r.name === "ref" ? "(git.branch || git.tag)" : /^[A-Za-z_][A-Za-z0-9_]*$/.test(r.name) ? `${r.root}.${r.name}` : `${r.root}[${quote(r.name)}]`);
const operand = (o: CondOperand) => (o === null ? "null" : typeof o === "string" ? quote(o) : ref(o));
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");
