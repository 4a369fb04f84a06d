/**
 * The `scale` section: runs at the size of real repositories, side by side with their floors in one
 * run. Each case is a function in SCALE_CASES adding rows and checks; a case module owns its project
 * and its figures (scale-snapshot-cases.ts: snapshots, the job cache and `.pipec/` growth).
 */
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { BenchReport } from "./compiler-bench.ts";
import { ensureGnuTime } from "./measure.ts";
import { renderChecks, type Check } from "./report.ts";
import { renderRunTable, type RunRow } from "./run-report.ts";
import { snapshotCases } from "./scale-snapshot-cases.ts";

export interface ScaleBenchOptions {
  /** The repository root, holding `dist/cli.mjs`. */
  readonly root: string;
  /** Measured runs per figure; figures are medians. @default 3 */
  readonly runs: number;
  /** Project sizes (files) of the snapshot cases. @default [10_000, 100_000] */
  readonly files: readonly number[];
  readonly log: (line: string) => void;
}

export interface ScaleContext {
  readonly node: string;
  readonly cli: string;
  readonly options: ScaleBenchOptions;
  readonly rows: RunRow[];
  readonly checks: Check[];
  readonly notes: string[];
}

/** A case: adds its rows, checks and notes to the context; false when a figure is invalid or missing. */
export type ScaleCase = (context: ScaleContext) => Promise<boolean>;

/** The section's cases, in order. */
export const SCALE_CASES: readonly ScaleCase[] = [snapshotCases];

export async function runScaleBench(options: ScaleBenchOptions): Promise<BenchReport> {
  const title = "## scale benchmark";
  const cli = join(options.root, "dist", "cli.mjs");
  if (!existsSync(cli)) return { ok: false, markdown: `${title}\n\n${cli} is missing: run \`node scripts/build.mjs\` first (npm run bench does).\n` };
  ensureGnuTime();
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const context: ScaleContext = { node: process.execPath, cli, options, rows: [], checks: [], notes: [] };
  let ok = true;
  for (const run of SCALE_CASES) ok = (await run(context)) && ok;
  const markdown = [
    title,
    "",
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (other work slows every figure, floors included: compare ratios). Medians of ${options.runs}.`,
    "",
    renderRunTable(context.rows),
    "",
    "### Targets",
    "",
    renderChecks(context.checks),
    "",
    ...(context.notes.length > 0 ? ["### Notes", "", ...context.notes.map((note) => `- ${note}`), ""] : []),
    `The scale benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    "",
  ].join("\n");
  return { ok, markdown };
}
