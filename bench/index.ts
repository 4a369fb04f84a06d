/**
 * `npm run bench`: bundled by scripts/build.mjs into dist/bench.mjs and run from the repository root.
 * Environment:
 * - PIPEC_BENCH_ONLY: "compiler" or "run" runs that section alone (default: both, compiler first).
 * - compiler: PIPEC_BENCH_SIZES (default "100,1000,5000"), PIPEC_BENCH_PEER_SIZES (default "1000"),
 *   PIPEC_BENCH_RUNS (default 3), PIPEC_BENCH_SEED (default 1).
 * - run: PIPEC_BENCH_RUN_RUNS (default 3), PIPEC_BENCH_PEER_RUNS (gitlab-ci-local runs, default 1).
 */
import { join } from "node:path";
import { runCompilerBench, type BenchReport } from "./compiler-bench.ts";
import { runRunBench } from "./run-bench.ts";

const numbers = (text: string | undefined, fallback: readonly number[]): number[] =>
  text ? text.split(",").map((part) => Number.parseInt(part.trim(), 10)).filter((value) => value > 0) : [...fallback];

const SECTIONS = ["compiler", "run"] as const;
type Section = (typeof SECTIONS)[number];

const only = process.env.PIPEC_BENCH_ONLY?.trim() || undefined;
const known = (name: string): name is Section => (SECTIONS as readonly string[]).includes(name);
if (only !== undefined && !known(only)) process.stderr.write(`PIPEC_BENCH_ONLY=${only}: expected one of ${SECTIONS.join(", ")}\n`);
const sections: readonly Section[] = only === undefined ? SECTIONS : known(only) ? [only] : [];

const root = process.cwd();
const peersDir = join(root, ".pipec", "bench-peers");
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const reports: BenchReport[] = [];
for (const section of sections) {
  const report =
    section === "compiler"
      ? await runCompilerBench({
          root,
          sizes: numbers(process.env.PIPEC_BENCH_SIZES, [100, 1000, 5000]),
          peerSizes: numbers(process.env.PIPEC_BENCH_PEER_SIZES, [1000]),
          runs: numbers(process.env.PIPEC_BENCH_RUNS, [3])[0] ?? 3,
          seed: numbers(process.env.PIPEC_BENCH_SEED, [1])[0] ?? 1,
          peersDir,
          log,
        })
      : await runRunBench({
          root,
          runs: numbers(process.env.PIPEC_BENCH_RUN_RUNS, [3])[0] ?? 3,
          peerRuns: numbers(process.env.PIPEC_BENCH_PEER_RUNS, [1])[0] ?? 1,
          peersDir,
          log,
        });
  // Each section prints as soon as it is done.
  process.stdout.write(`${report.markdown}\n`);
  reports.push(report);
}
process.exitCode = sections.length === 0 ? 2 : reports.every((report) => report.ok) ? 0 : 1;
