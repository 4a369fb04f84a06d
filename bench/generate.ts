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

/** A `ci.pipeline.ts` using the pipec DSL. */
export function renderTs(dag: Dag): string {
  const lines = ['import { pipeline, job } from "pipec";', ""];
  for (const job of dag.jobs) {
    const needs = job.needs.length > 0 ? `, needs: [${names(dag, job.needs).join(", ")}]` : "";
    const steps = job.scripts.map(quote).join(", ");
    lines.push(`const ${job.name} = job(${quote(job.name)}, { image: ${quote(BENCH_IMAGE)}${needs}, steps: [${steps}] });`);
  }
  const refs: string[] = [];
  for (let i = 0; i < dag.jobs.length; i += 20) refs.push(`    ${dag.jobs.slice(i, i + 20).map((job) => job.name).join(", ")},`);
  lines.push("", `export default pipeline(${quote(dag.name)}, {`, "  jobs: [", ...refs, "  ],", "});", "");
  return lines.join("\n");
}

/** A pipeline in pipec's YAML authoring dialect. */
export function renderYaml(dag: Dag): string {
  const lines = [`name: ${dag.name}`, "jobs:"];
  for (const job of dag.jobs) {
    lines.push(`  ${job.name}:`, `    image: ${BENCH_IMAGE}`);
    if (job.needs.length > 0) lines.push(`    depends_on: [${names(dag, job.needs).join(", ")}]`);
    lines.push("    steps:");
    job.scripts.forEach((script, index) => lines.push(`      - name: s${index + 1}`, `        script: ${script}`));
  }
  return `${lines.join("\n")}\n`;
}

/** The same DAG as a `.gitlab-ci.yml`: one stage, ordering by `needs` alone (allowed within a stage). */
export function renderGitlabCi(dag: Dag): string {
  const lines = ["stages: [test]"];
  for (const job of dag.jobs) {
    lines.push("", `${job.name}:`, "  stage: test", `  image: ${BENCH_IMAGE}`);
    if (job.needs.length > 0) lines.push(`  needs: [${names(dag, job.needs).join(", ")}]`);
    lines.push("  script:", ...job.scripts.map((script) => `    - ${script}`));
  }
  return `${lines.join("\n")}\n`;
}
