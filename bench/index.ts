/**
 * `npm run bench`: bundled by scripts/build.mjs into dist/bench.mjs and run from the repository root.
 * Environment: PIPEC_BENCH_SIZES (default "100,1000,5000"), PIPEC_BENCH_PEER_SIZES (default "1000"),
 * PIPEC_BENCH_RUNS (default 3), PIPEC_BENCH_SEED (default 1).
 */
import { join } from "node:path";
import { runCompilerBench } from "./compiler-bench.ts";

const numbers = (text: string | undefined, fallback: readonly number[]): number[] =>
  text ? text.split(",").map((part) => Number.parseInt(part.trim(), 10)).filter((value) => value > 0) : [...fallback];

const root = process.cwd();
const report = await runCompilerBench({
  root,
  sizes: numbers(process.env.PIPEC_BENCH_SIZES, [100, 1000, 5000]),
  peerSizes: numbers(process.env.PIPEC_BENCH_PEER_SIZES, [1000]),
  runs: numbers(process.env.PIPEC_BENCH_RUNS, [3])[0] ?? 3,
  seed: numbers(process.env.PIPEC_BENCH_SEED, [1])[0] ?? 1,
  peersDir: join(root, ".pipec", "bench-peers"),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${report.markdown}\n`);
process.exitCode = report.ok ? 0 : 1;
