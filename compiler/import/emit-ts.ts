/**
 * Prints an imported pipeline as a readable `ci.pipeline.ts`: one `const` per job in dependency
 * order, `needs` and `inputs` as references, conditions with `when.*`, and every TODO as a comment
 * above the job (or the pipeline) it belongs to. The text type-checks as written.
 */
import type { Cond, CondOperand, CondRef, ImportedJob, ImportedPipeline, ImportedStep } from "./model.ts";

const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of undefined NaN Infinity eval arguments".split(" "),
);
const DSL = ["files", "input", "job", "output", "pipeline", "secret", "step", "when"] as const;

export function emitTypeScript(imported: ImportedPipeline, order: readonly ImportedJob[]): string {
  const used = new Set<string>();
  const vars = new Map<string, string>();
  const taken = new Set<string>([...RESERVED, ...DSL]);
  for (const job of order) vars.set(job.name, identifier(job.name, taken));
  const body: string[] = [];
  for (const job of order) body.push(printJob(job, vars, used));
  const pipelineLines: string[] = [];
  for (const todo of imported.todos) pipelineLines.push(comment(todo));
  const options: string[] = [];
  if (imported.image) options.push(`  image: ${str(imported.image)},`);
  if (Object.keys(imported.env).length > 0) options.push(`  env: ${record(imported.env, "  ")},`);
  if (Object.keys(imported.vars).length > 0) {
    const entries = Object.entries(imported.vars).map(([name, v]) => `    ${key(name)}: ${v.description === undefined ? str(v.default) : `{ default: ${str(v.default)}, description: ${str(v.description)} }`},`);
    options.push(`  vars: {\n${entries.join("\n")}\n  },`);
  }
  options.push(`  jobs: [${order.map((j) => vars.get(j.name)).join(", ")}],`);
  pipelineLines.push(`export default pipeline(${str(imported.name)}, {\n${options.join("\n")}\n});`);
  used.add("job");
  used.add("pipeline");
  const header = [
    `// Imported by \`pipec import\` from ${imported.source} (${imported.from === "gitlab" ? "GitLab CI" : "GitHub Actions"}).`,
    "// Every TODO names the source line pipec could not carry over; the import's diagnostics list them too.",
    `import { ${DSL.filter((name) => used.has(name)).join(", ")} } from "pipec";`,
  ];
  return `${header.join("\n")}\n\n${body.join("\n\n")}\n\n${pipelineLines.join("\n")}\n`;
}

function printJob(job: ImportedJob, vars: ReadonlyMap<string, string>, used: Set<string>): string {
  const lines: string[] = job.todos.map(comment);
  const o: string[] = [];
  const pad = "  ";
  if (job.matrix) {
    const parts = Object.entries(job.matrix.axes).map(([k, values]) => `${key(k)}: [${values.map(str).join(", ")}]`);
    if (job.matrix.include && job.matrix.include.length > 0) parts.push(`include: [${job.matrix.include.map((c) => inlineRecord(c)).join(", ")}]`);
    if (job.matrix.exclude && job.matrix.exclude.length > 0) parts.push(`exclude: [${job.matrix.exclude.map((c) => inlineRecord(c)).join(", ")}]`);
    o.push(`matrix: { ${parts.join(", ")} },`);
  }
  if (job.image && /\{\{matrix\.[^}]+\}\}/.test(job.image)) {
    const template = job.image.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${").replace(/\{\{matrix\.([^}]+)\}\}/g, (_, k: string) => `\${matrix${member(k)}}`);
    o.push(`image: ({ matrix }) => \`${template}\`,`);
  } else if (job.image) o.push(`image: ${str(job.image)},`);
  if (job.needs.length > 0) o.push(`needs: [${job.needs.map((n) => vars.get(n)).join(", ")}],`);
  if (job.inputs.length > 0) {
    const refs = job.inputs.map((i) => {
      const ref = `${vars.get(i.job)}.outputs${member(i.output)}`;
      if (!i.optional) return ref;
      used.add("input");
      return `input(${ref}, { optional: true })`;
    });
    o.push(`inputs: [${refs.join(", ")}],`);
  }
  if (job.if) {
    used.add("when");
    o.push(`if: ${cond(job.if)},`);
  }
  if (job.services.length > 0) {
    const services = job.services.map((s) => {
      const fields = [`name: ${str(s.name)}`, `image: ${str(s.image)}`];
      if (s.command) fields.push(`command: [${s.command.map(str).join(", ")}]`);
      if (s.env) fields.push(`env: ${inlineRecord(s.env)}`);
      if (s.readyCommand) fields.push(`readyCommand: [${s.readyCommand.map(str).join(", ")}]`);
      return `{ ${fields.join(", ")} }`;
    });
    o.push(`services: [${services.join(", ")}],`);
  }
  if (job.caches.length > 0) {
    const caches = job.caches.map((c) => {
      const keyParts = c.key.map((part) => {
        if (typeof part === "string") return str(part);
        used.add("files");
        return `files(${part.files.map(str).join(", ")})`;
      });
      return `{ key: [${keyParts.join(", ")}], paths: [${c.paths.map(str).join(", ")}]${c.policy ? `, policy: ${str(c.policy)}` : ""} }`;
    });
    o.push(`caches: [${caches.join(", ")}],`);
  }
  const hasEnv = Object.keys(job.env).length > 0;
  if (job.matrix?.asEnv) o.push(`env: ({ matrix }) => (${hasEnv ? `{ ...${record(job.env, pad)}, ...matrix }` : "{ ...matrix }"}),`);
  else if (hasEnv) o.push(`env: ${record(job.env, pad)},`);
  if (job.secrets && job.secrets.length > 0) {
    used.add("secret");
    o.push(`secrets: [${job.secrets.map((name) => `secret(${str(name)})`).join(", ")}],`);
  }
  o.push(`steps: ${steps(job.steps, used)},`);
  const outputs = Object.entries(job.outputs);
  if (outputs.length > 0) {
    used.add("output");
    const printed = outputs.map(([name, out]) => {
      const options: string[] = [];
      if (out.exclude) options.push(`exclude: [${out.exclude.map(str).join(", ")}]`);
      if (out.expireIn) options.push(`expireIn: ${str(out.expireIn)}`);
      if (out.optional) options.push("optional: true");
      const paths = out.paths.length === 1 ? str(out.paths[0]!) : `[${out.paths.map(str).join(", ")}]`;
      return `${key(name)}: output(${paths}${options.length > 0 ? `, { ${options.join(", ")} }` : ""})`;
    });
    o.push(`outputs: { ${printed.join(", ")} },`);
  }
  if (job.timeout) o.push(`timeout: ${str(job.timeout)},`);
  if (job.retry) {
    const r = job.retry;
    o.push(r.on === undefined && r.exitCodes === undefined ? `retry: ${r.max},` : `retry: { max: ${r.max}${r.on ? `, on: [${r.on.map(str).join(", ")}]` : ""}${r.exitCodes ? `, exitCodes: [${r.exitCodes.join(", ")}]` : ""} },`);
  }
  if (job.allowFailure) o.push("allowFailure: true,");
  lines.push(`const ${vars.get(job.name)} = job(${str(job.name)}, {\n${o.map((line) => pad + line).join("\n")}\n});`);
  return lines.join("\n");
}

function steps(list: readonly ImportedStep[], used: Set<string>): string {
  const printed = list.map((s) => {
    const todos = (s.todos ?? []).map((t) => `    ${comment(t)}\n`).join("");
    const simple = s.if === undefined && !s.continueOnFailure && !s.env && !s.timeout && !s.workingDirectory;
    if (simple && s.run.length === 1 && (s.name === undefined || s.name === "script")) return `${todos}    ${str(s.run[0]!)},`;
    used.add("step");
    const run = s.run.length === 1 ? str(s.run[0]!) : `[\n${s.run.map((line) => `      ${str(line)},`).join("\n")}\n    ]`;
    const options: string[] = [];
    if (s.if) {
      used.add("when");
      options.push(`if: when.${s.if}()`);
    }
    if (s.continueOnFailure) options.push("continueOnFailure: true");
    if (s.env) options.push(`env: ${inlineRecord(s.env)}`);
    if (s.timeout) options.push(`timeout: ${str(s.timeout)}`);
    if (s.workingDirectory) options.push(`workingDirectory: ${str(s.workingDirectory)}`);
    return `${todos}    step(${str(s.name ?? "step")}, ${run}${options.length > 0 ? `, { ${options.join(", ")} }` : ""}),`;
  });
  return `[\n${printed.join("\n")}\n  ]`;
}

export function cond(c: Cond): string {
  switch (c.kind) {
    case "status":
      return `when.${c.status}()`;
    case "false":
      return `when.eq("a", "b")`;
    case "truthy":
      return ref(c.ref);
    case "eq":
    case "ne":
      if (c.kind === "eq" && isRef(c.left) && c.left.root === "git" && c.left.name === "branch" && typeof c.right === "string") return `when.branch(${str(c.right)})`;
      return `when.${c.kind}(${operand(c.left)}, ${operand(c.right)})`;
    case "not":
      return `when.not(${cond(c.operand)})`;
    case "and":
    case "or":
      return c.all.length === 1 ? cond(c.all[0]!) : `when.${c.kind}(${c.all.map(cond).join(", ")})`;
    case "call":
      return `when.${c.name}(${ref(c.subject)}, ${str(c.text)})`;
  }
}

const isRef = (o: CondOperand): o is CondRef => typeof o === "object" && o !== null;
const operand = (o: CondOperand): string => (o === null ? "null" : typeof o === "string" ? str(o) : ref(o));
const ref = (r: CondRef): string => (r.root !== "git" ? `when.${r.root}(${str(r.name)})` : r.name === "ref" ? "when.or(when.git.branch, when.git.tag)" : `when.git.${r.name}`);

/** A string literal: JSON quoting, or a template literal for multi-line text. */
export function str(text: string): string {
  if (!text.includes("\n")) return JSON.stringify(text);
  return `\`${text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${")}\``;
}

const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
const member = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`);
const inlineRecord = (r: Readonly<Record<string, string>>) => `{ ${Object.entries(r).map(([k, v]) => `${key(k)}: ${str(v)}`).join(", ")} }`;

function record(r: Readonly<Record<string, string>>, indent: string): string {
  const entries = Object.entries(r);
  if (entries.length <= 2 && entries.every(([, v]) => !v.includes("\n") && v.length < 40)) return inlineRecord(r);
  return `{\n${entries.map(([k, v]) => `${indent}  ${key(k)}: ${str(v)},`).join("\n")}\n${indent}}`;
}

/** A TODO comment; `*\/` cannot end it early as it is a line comment, newlines become spaces. */
function comment(text: string): string {
  return `// ${text.replace(/\s*\n\s*/g, " ")}`;
}

/** A camelCase identifier for a job name, unique among `taken`. */
function identifier(name: string, taken: Set<string>): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let id = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("") || "job";
  if (/^[0-9]/.test(id)) id = `job${id.charAt(0).toUpperCase()}${id.slice(1)}`;
  let unique = id;
  for (let n = 2; taken.has(unique); n++) unique = `${id}${n}`;
  taken.add(unique);
  return unique;
}
