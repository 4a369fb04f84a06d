/**
 * The targets benchmark: generated pipelines of 1,000 and 5,000 jobs, each built into a plan (the YAML
 * front end, in this process) and emitted to every target beside it, median of `runs`. The issue's
 * targets: emitting costs at most 0.5x of building the plan, and the cost per job grows no worse than
 * n log n from the smallest size to the largest.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFile } from "../compiler/index.ts";
import { emitTarget, TARGET_NAMES, TargetProfileSchema } from "../compiler/targets/index.ts";
import type { BenchReport } from "./compiler-bench.ts";
import { generateDag, renderYaml } from "./generate.ts";

export interface TargetsBenchOptions {
  /** @default [1000, 5000] */
  readonly sizes: readonly number[];
  /** @default 3 */
  readonly runs: number;
  readonly log: (line: string) => void;
}

/** Emitting at most this share of the plan build. */
export const EMIT_SHARE = 0.5;

const medianOf = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(body: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await body();
  return { value, ms: performance.now() - start };
}

export async function runTargetsBench(options: TargetsBenchOptions): Promise<BenchReport> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-bench-targets-"));
  // Argo needs the cluster's side named (checkout, artifact store, Secret); the others take the defaults.
  const profile = TargetProfileSchema.parse({ argo: { source: { repo: "https://git.example.com/bench.git" }, artifactRepositoryRef: { configMap: "artifact-repositories", key: "default" }, secretName: "bench" } });
  const rows: { n: number; buildMs: number; emitMs: Record<string, number>; bytes: Record<string, number> }[] = [];
  let ok = true;
  try {
    for (const n of options.sizes) {
      const file = join(dir, `bench-${n}.yaml`);
      await writeFile(file, renderYaml(generateDag(n)));
      const builds: number[] = [];
      const emits: Record<string, number[]> = Object.fromEntries(TARGET_NAMES.map((t) => [t, []]));
      const bytes: Record<string, number> = {};
      // Run 0 warms the JIT up and is not counted.
      for (let run = 0; run <= options.runs; run++) {
        const built = await timed(() => compileFile(file, { cacheDir: null }));
        const plan = built.value.plan;
        if (!plan) throw new Error(`bench-${n}.yaml does not compile: ${built.value.diagnostics[0]?.message}`);
        if (run > 0) builds.push(built.ms);
        for (const target of TARGET_NAMES) {
          const emitted = await timed(() => emitTarget(plan, target, { profile, pipecVersion: "bench" }));
          if (emitted.value.files.length === 0) throw new Error(`${target} refused bench-${n}: ${emitted.value.diagnostics.find((d) => d.severity === "error")?.message}`);
          if (run > 0) emits[target]!.push(emitted.ms);
          bytes[target] = emitted.value.files.reduce((sum, file) => sum + file.content.length, 0);
        }
      }
      const row = { n, buildMs: medianOf(builds), emitMs: Object.fromEntries(TARGET_NAMES.map((t) => [t, medianOf(emits[t]!)])), bytes };
      options.log(`targets: ${n} jobs: plan ${row.buildMs.toFixed(0)} ms, ${TARGET_NAMES.map((t) => `${t} ${row.emitMs[t]!.toFixed(0)} ms`).join(", ")}`);
      rows.push(row);
    }
  } catch (error) {
    ok = false;
    options.log(`targets: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const lines = ["## targets", "", `Median of ${options.runs} runs after one warm-up, in one process: the plan built from a generated YAML pipeline, then emitted to each target.`, ""];
  lines.push(`| jobs | plan build (ms) | ${TARGET_NAMES.map((t) => `${t} emit (ms) | ${t} / build | ${t} file (KiB)`).join(" | ")} |`);
  lines.push(`|---:|---:|${TARGET_NAMES.map(() => "---:|---:|---:").join("|")}|`);
  for (const row of rows) {
    lines.push(`| ${row.n} | ${row.buildMs.toFixed(0)} | ${TARGET_NAMES.map((t) => `${row.emitMs[t]!.toFixed(0)} | ${(row.emitMs[t]! / row.buildMs).toFixed(2)}x | ${(row.bytes[t]! / 1024).toFixed(0)}`).join(" | ")} |`);
  }
  lines.push("", "| check | measured | target | met |", "|---|---:|---:|:-:|");
  for (const row of rows) for (const t of TARGET_NAMES) {
    const share = row.emitMs[t]! / row.buildMs;
    lines.push(`| ${t} emit / plan build at ${row.n} jobs | ${share.toFixed(2)}x | ≤ ${EMIT_SHARE}x | ${share <= EMIT_SHARE ? "yes" : "no"} |`);
  }
  if (rows.length >= 2) {
    const [small, large] = [rows[0]!, rows[rows.length - 1]!];
    const bound = (large.n * Math.log(large.n)) / (small.n * Math.log(small.n));
    for (const t of TARGET_NAMES) {
      const growth = large.emitMs[t]! / small.emitMs[t]!;
      lines.push(`| ${t} emit time ${small.n} -> ${large.n} jobs | ${growth.toFixed(2)}x | ≤ ${bound.toFixed(2)}x (n log n) | ${growth <= bound ? "yes" : "no"} |`);
    }
  }
  return { ok, markdown: lines.join("\n") };
}
