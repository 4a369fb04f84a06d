/**
 * Seeded random DAGs for the compiler benchmark, rendered three ways: a pipec TypeScript pipeline,
 * a pipec YAML pipeline and an equivalent `.gitlab-ci.yml`. Pure: the same (n, seed) always gives
 * byte-identical text, so runs on different machines compile the same input.
 */

export interface DagJob {
  readonly name: string;
  /** Indexes of earlier jobs: every edge points backwards, so the graph is acyclic by construction. */
  readonly needs: readonly number[];
  readonly scripts: readonly string[];
  /** Declared outputs, name → path (pipec renders only; the GitLab render ignores them). */
  readonly outputs?: Readonly<Record<string, string>>;
  /** Outputs of earlier jobs this job takes (`inputs: [jK.outputs.name]`), which add their edges too. */
  readonly inputs?: readonly { readonly job: number; readonly output: string }[];
}

export interface Dag {
  readonly name: string;
  readonly jobs: readonly DagJob[];
  readonly edges: number;
}

export const BENCH_IMAGE = "alpine:3.20";

/** mulberry32: a tiny 32-bit PRNG, good enough for test data and identical on every engine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Half the needs come from the last few jobs, half from anywhere earlier: a mix of long chains and wide fan-in. */
const LOCAL_WINDOW = 20;

/** n jobs; job i needs 0-3 distinct earlier jobs (uniform, so about 1.5 edges per job). */
export function generateDag(n: number, seed = 1): Dag {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`generateDag: n must be a positive integer, got ${n}`);
  const random = mulberry32(seed);
  const below = (limit: number): number => Math.floor(random() * limit);
  const jobs: DagJob[] = [];
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const wanted = Math.min(below(4), i);
    const needs = new Set<number>();
    while (needs.size < wanted) {
      const from = random() < 0.5 ? Math.max(0, i - LOCAL_WINDOW) : 0;
      needs.add(from + below(i - from));
    }
    const scripts = random() < 0.5 ? [`echo j${i}`] : [`echo j${i}`, "echo done"];
    jobs.push({ name: `j${i}`, needs: [...needs].sort((a, b) => a - b), scripts });
    edges += needs.size;
  }
  return { name: `bench-${n}`, jobs, edges };
}

const names = (dag: Dag, needs: readonly number[]): string[] => needs.map((index) => dag.jobs[index]!.name);
const quote = (text: string): string => JSON.stringify(text);

/** Words YAML 1.1 or 1.2 reads as something other than a string (`- true` is a boolean, not a script). */
const NOT_A_STRING = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** A YAML scalar for `text`: plain when it reads back as the same string, JSON-quoted otherwise. */
export const yamlString = (text: string): string => (/^[A-Za-z][\w ./=-]*$/.test(text) && !NOT_A_STRING.test(text) ? text : quote(text));

export interface RenderTsOptions {
  /**
   * List the jobs in `AnyJob[]` chunks of this size instead of one `jobs: [j0, j1, ...]` literal.
   * (One literal of more than about 1,100 jobs used to fail type-checking with TS2590, "union type
   * that is too complex to represent"; `pipeline` now types a literal list as a tuple.)
   * @default undefined (one literal)
   */
  readonly chunk?: number;
  /** @default BENCH_IMAGE */
  readonly image?: string;
}

export interface RenderGitlabCiOptions {
  /** @default BENCH_IMAGE */
  readonly image?: string;
}

/** A `ci.pipeline.ts` using the pipec DSL. */
export function renderTs(dag: Dag, options: RenderTsOptions = {}): string {
  const { chunk, image = BENCH_IMAGE } = options;
  const imports = ["pipeline", "job", ...(dag.jobs.some((job) => job.outputs) ? ["output"] : []), ...(chunk ? ["type AnyJob"] : [])];
  const lines = [`import { ${imports.join(", ")} } from "pipec";`, ""];
  for (const job of dag.jobs) {
    const needs = job.needs.length > 0 ? `, needs: [${names(dag, job.needs).join(", ")}]` : "";
    const inputs = job.inputs?.length ? `, inputs: [${job.inputs.map((input) => `${dag.jobs[input.job]!.name}.outputs.${input.output}`).join(", ")}]` : "";
    const steps = job.scripts.map(quote).join(", ");
    const outputs = job.outputs ? `, outputs: { ${Object.entries(job.outputs).map(([name, path]) => `${name}: output(${quote(path)})`).join(", ")} }` : "";
    lines.push(`const ${job.name} = job(${quote(job.name)}, { image: ${quote(image)}${needs}${inputs}, steps: [${steps}]${outputs} });`);
  }
  const rows = (jobs: readonly DagJob[], indent: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < jobs.length; i += 20) out.push(`${indent}${jobs.slice(i, i + 20).map((job) => job.name).join(", ")},`);
    return out;
  };
  lines.push("");
  if (chunk) {
    const parts: string[] = [];
    for (let start = 0; start < dag.jobs.length; start += chunk) {
      parts.push(`part${parts.length}`);
      lines.push(`const ${parts.at(-1)}: AnyJob[] = [`, ...rows(dag.jobs.slice(start, start + chunk), "  "), "];");
    }
    lines.push("", `export default pipeline(${quote(dag.name)}, { jobs: [${parts.map((part) => `...${part}`).join(", ")}] });`, "");
  } else {
    lines.push(`export default pipeline(${quote(dag.name)}, {`, "  jobs: [", ...rows(dag.jobs, "    "), "  ],", "});", "");
  }
  return lines.join("\n");
}

/** A pipeline in pipec's YAML authoring dialect. */
export function renderYaml(dag: Dag): string {
  const lines = [`name: ${dag.name}`, "jobs:"];
  for (const job of dag.jobs) {
    lines.push(`  ${job.name}:`, `    image: ${BENCH_IMAGE}`);
    if (job.needs.length > 0) lines.push(`    depends_on: [${names(dag, job.needs).join(", ")}]`);
    lines.push("    steps:");
    job.scripts.forEach((script, index) => lines.push(`      - name: s${index + 1}`, `        script: ${yamlString(script)}`));
  }
  return `${lines.join("\n")}\n`;
}

/** The same DAG as a `.gitlab-ci.yml`: one stage, ordering by `needs` alone (allowed within a stage). */
export function renderGitlabCi(dag: Dag, options: RenderGitlabCiOptions = {}): string {
  const lines = ["stages: [test]"];
  for (const job of dag.jobs) {
    lines.push("", `${job.name}:`, "  stage: test", `  image: ${options.image ?? BENCH_IMAGE}`);
    if (job.needs.length > 0) lines.push(`  needs: [${names(dag, job.needs).join(", ")}]`);
    lines.push("  script:", ...job.scripts.map((script) => `    - ${yamlString(script)}`));
  }
  return `${lines.join("\n")}\n`;
}
