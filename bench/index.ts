/**
 * `npm run bench`: bundled by scripts/build.mjs into dist/bench.mjs and run from the repository root.
 * Environment:
 * - PIPEC_BENCH_ONLY: "compiler", "run", "artifacts", "router", "targets", "scale" or "deploy-undo" runs
 *   that section alone (default: all seven, in that order).
 * - compiler: PIPEC_BENCH_SIZES (default "100,1000,5000"), PIPEC_BENCH_PEER_SIZES (default "1000"),
 *   PIPEC_BENCH_RUNS (default 3), PIPEC_BENCH_SEED (default 1).
 * - run: PIPEC_BENCH_RUN_RUNS (default 3), PIPEC_BENCH_PEER_RUNS (gitlab-ci-local runs, default 1).
 * - artifacts: PIPEC_BENCH_ARTIFACT_RUNS (default 3), PIPEC_BENCH_ARTIFACT_MIB (the big file, default
 *   1024), PIPEC_BENCH_ARTIFACT_FILES (the small files, default 20000), PIPEC_BENCH_CACHE_JOBS (default
 *   20), PIPEC_BENCH_ARTIFACT_PROFILE=1 (CPU-profile the store operations even when they meet their
 *   targets; they are profiled anyway when one misses).
 * - scale: PIPEC_BENCH_SCALE_RUNS (default 3): a job of 10 steps against one `docker run` of its commands.
 * - targets: PIPEC_BENCH_TARGET_SIZES (default "1000,5000"), PIPEC_BENCH_TARGET_RUNS (default 3).
 * - scale: PIPEC_BENCH_SCALE_FILES (project sizes, default "10000,100000"), PIPEC_BENCH_SCALE_RUNS (default 3).
 * - deploy-undo: PIPEC_BENCH_UNDO_RUNS (undos per router kind, default 5): `pipec deploy undo` to the
 *   warm revision with Docker instances, against the router's own weight switch.
 * - router: PIPEC_BENCH_ROUTER_RUNS (interleaved rounds, default 3), PIPEC_BENCH_ROUTER_SECONDS (per
 *   load run, default 5), PIPEC_BENCH_ROUTER_CONNECTIONS (default "4,16"), PIPEC_BENCH_ROUTER_GENERATOR
 *   ("wrk", the default, installed from Debian when missing, or "node"), PIPEC_BENCH_ROUTER_PROFILE=1
 *   (CPU-profile the builtin router even when it meets its targets; it is profiled anyway when one misses).
 *
 * Hidden sub-command: `node dist/bench.mjs --artifact-worker ...` runs one artifact-store operation
 * and prints its figures as JSON (artifact-worker.ts); the artifacts section runs it in child processes.
 * `node dist/bench.mjs --router-worker upstreams|builtin|load ...` runs the router section's upstreams,
 * builtin router and node load generator, each in a process of its own (router-worker.ts).
 * Sections are imported on demand, so a worker loads what it runs and nothing of the benchmarks.
 */
import { join } from "node:path";
import type { BenchReport } from "./compiler-bench.ts";

const numbers = (text: string | undefined, fallback: readonly number[]): number[] =>
  text ? text.split(",").map((part) => Number.parseInt(part.trim(), 10)).filter((value) => value > 0) : [...fallback];
const first = (name: string, fallback: number): number => numbers(process.env[name], [fallback])[0] ?? fallback;

const SECTIONS = ["compiler", "run", "artifacts", "router", "targets", "scale", "deploy-undo"] as const;
type Section = (typeof SECTIONS)[number];

async function artifactWorker(argv: readonly string[]): Promise<void> {
  const { runArtifactWorker } = await import("./artifact-worker.ts");
  try {
    process.stdout.write(`${JSON.stringify(await runArtifactWorker(argv))}\n`);
  } catch (error) {
    process.stderr.write(`artifact worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

async function routerWorker(argv: readonly string[]): Promise<void> {
  const { runRouterWorker } = await import("./router-worker.ts");
  try {
    await runRouterWorker(argv);
  } catch (error) {
    process.stderr.write(`router worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

async function bench(): Promise<void> {
  const only = process.env.PIPEC_BENCH_ONLY?.trim() || undefined;
  const known = (name: string): name is Section => (SECTIONS as readonly string[]).includes(name);
  if (only !== undefined && !known(only)) process.stderr.write(`PIPEC_BENCH_ONLY=${only}: expected one of ${SECTIONS.join(", ")}\n`);
  const sections: readonly Section[] = only === undefined ? SECTIONS : known(only) ? [only] : [];

  const root = process.cwd();
  const peersDir = join(root, ".pipec", "bench-peers");
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const reports: BenchReport[] = [];
  for (const section of sections) {
    let report: BenchReport;
    if (section === "compiler") {
      const { runCompilerBench } = await import("./compiler-bench.ts");
      report = await runCompilerBench({
        root,
        sizes: numbers(process.env.PIPEC_BENCH_SIZES, [100, 1000, 5000]),
        peerSizes: numbers(process.env.PIPEC_BENCH_PEER_SIZES, [1000]),
        runs: first("PIPEC_BENCH_RUNS", 3),
        seed: first("PIPEC_BENCH_SEED", 1),
        peersDir,
        log,
      });
    } else if (section === "run") {
      const { runRunBench } = await import("./run-bench.ts");
      report = await runRunBench({ root, runs: first("PIPEC_BENCH_RUN_RUNS", 3), peerRuns: first("PIPEC_BENCH_PEER_RUNS", 1), peersDir, log });
    } else if (section === "scale") {
      const { runScaleBench } = await import("./scale-bench.ts");
      const { runStepsCase } = await import("./scale-steps.ts");
      const runs = first("PIPEC_BENCH_SCALE_RUNS", 3);
      const files = await runScaleBench({ root, files: numbers(process.env.PIPEC_BENCH_SCALE_FILES, [10_000, 100_000]), runs, log });
      const steps = await runStepsCase({ root, runs, log });
      report = { markdown: `${files.markdown}\n${steps.markdown}`, ok: files.ok && steps.ok };
    } else if (section === "deploy-undo") {
      const { runDeployUndoBench } = await import("./deploy-undo-bench.ts");
      report = await runDeployUndoBench({ root, runs: first("PIPEC_BENCH_UNDO_RUNS", 5), log });
    } else if (section === "targets") {
      const { runTargetsBench } = await import("./targets-bench.ts");
      report = await runTargetsBench({ sizes: numbers(process.env.PIPEC_BENCH_TARGET_SIZES, [1000, 5000]), runs: first("PIPEC_BENCH_TARGET_RUNS", 3), log });
    } else if (section === "router") {
      const { runRouterBench } = await import("./router-bench.ts");
      const generator = process.env.PIPEC_BENCH_ROUTER_GENERATOR?.trim();
      if (generator && generator !== "wrk" && generator !== "node") log(`PIPEC_BENCH_ROUTER_GENERATOR=${generator}: expected wrk or node; using wrk`);
      report = await runRouterBench({
        root,
        runs: first("PIPEC_BENCH_ROUTER_RUNS", 3),
        seconds: first("PIPEC_BENCH_ROUTER_SECONDS", 5),
        connections: numbers(process.env.PIPEC_BENCH_ROUTER_CONNECTIONS, [4, 16]),
        generator: generator === "node" ? "node" : "wrk",
        profile: process.env.PIPEC_BENCH_ROUTER_PROFILE === "1",
        log,
      });
    } else {
      const { runArtifactBench } = await import("./artifact-bench.ts");
      report = await runArtifactBench({
        root,
        runs: first("PIPEC_BENCH_ARTIFACT_RUNS", 3),
        bigMib: first("PIPEC_BENCH_ARTIFACT_MIB", 1024),
        smallFiles: first("PIPEC_BENCH_ARTIFACT_FILES", 20_000),
        cacheJobs: first("PIPEC_BENCH_CACHE_JOBS", 20),
        profile: process.env.PIPEC_BENCH_ARTIFACT_PROFILE === "1",
        log,
      });
    }
    // Each section prints as soon as it is done.
    process.stdout.write(`${report.markdown}\n`);
    reports.push(report);
  }
  process.exitCode = sections.length === 0 ? 2 : reports.every((report) => report.ok) ? 0 : 1;
}

if (process.argv[2] === "--artifact-worker") await artifactWorker(process.argv.slice(3));
else if (process.argv[2] === "--router-worker") await routerWorker(process.argv.slice(3));
else await bench();
