/**
 * The `pipec run` benchmark, in one run side by side: job overhead (50 no-op jobs against plain
 * `docker run` calls and against gitlab-ci-local), scheduling (a DAG with uneven sleeps against its
 * critical path and a wave scheduler) and memory (peak RSS with 20 jobs at once). Every pipec figure is
 * the real CLI in a fresh process: `node dist/cli.mjs run FILE --executor docker --concurrency N --json
 * --no-cache`, so every measured run runs its jobs; the job cache has rows of its own (a fully cached
 * re-run of the no-op jobs). Each run's events go through guardRun (guards/run-guard.ts) before its
 * figure counts: a run that skipped work prints as INVALID and fails the section.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BUSYBOX_IMAGE, HELPER_IMAGE, ensureHelperImage, imageExists } from "./bench-images.ts";
import type { BenchReport } from "./compiler-bench.ts";
import { noopContainer, timeLanes, type FloorSample } from "./docker-floor.ts";
import { renderGitlabCi, renderTs, type Dag } from "./generate.ts";
import { guardRun, type RunExpectation } from "./guards/run-guard.ts";
import { invalidText } from "./guards/verdict.ts";
import { CommandFailedError, ensureGnuTime, measure, runCommand, summarize, type Sample } from "./measure.ts";
import { timeGitlabCiLocalRun } from "./peer-gitlab-ci-local.ts";
import { renderChecks, type Check } from "./report.ts";
import { SCHEDULING_JOBS, criticalPath, noopDag, sleepersDag, timedDag, waveTime } from "./run-dag.ts";
import { dispatchGapsMs, jobOverheadsMs, medianOf, parseRunEvents, peakConcurrency, type RunTimeline } from "./run-events.ts";
import { ratioAtMost, ratioChecks, renderRunTable, targetCell, times, type RatioCheck, type RunRow } from "./run-report.ts";

export interface RunBenchOptions {
  /** The repository root, holding `dist/cli.mjs`. */
  readonly root: string;
  /** Measured runs of pipec and of the floor in each case; figures are medians. @default 3 */
  readonly runs: number;
  /** Runs of gitlab-ci-local, 20-30 s each. @default 1 */
  readonly peerRuns: number;
  /** Where the peer is installed and cached. @default <root>/.pipec/bench-peers */
  readonly peersDir: string;
  /** The job image of every case, for pipec, the floor and the peer alike. @default BUSYBOX_IMAGE */
  readonly image?: string;
  readonly log: (line: string) => void;
}

/** The issue's targets. */
export const RUN_TARGETS = { floorRatio: 1.3, peerRatio: 0.5, criticalPathRatio: 1.05, peakRssMb: 150 } as const;
/** 2: the machines have 2 cores. */
export const OVERHEAD_CASE = { jobs: 50, concurrency: 2 } as const;
export const MEMORY_CASE = { jobs: 20, seconds: 2 } as const;

type PipecResult =
  | { readonly ok: true; readonly sample: Sample; readonly timeline: RunTimeline }
  /** `invalid`: the run went, but its guard says it did not do the work timed (`reason` is then `INVALID: …`). */
  | { readonly ok: false; readonly reason: string; readonly invalid?: string };

interface Context {
  readonly node: string;
  readonly cli: string;
  readonly dir: string;
  readonly image: string;
  readonly options: RunBenchOptions;
  readonly rows: RunRow[];
  readonly checks: Check[];
  readonly notes: string[];
}

export async function runRunBench(options: RunBenchOptions): Promise<BenchReport> {
  const title = "## pipec run benchmark";
  const cli = join(options.root, "dist", "cli.mjs");
  if (!existsSync(cli)) return { ok: false, markdown: `${title}\n\n${cli} is missing: run \`node scripts/build.mjs\` first (npm run bench does).\n` };
  const engine = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 10_000 });
  if (engine.status !== 0) return { ok: false, markdown: `${title}\n\nskipped: no Docker engine answers (\`bash test/setup/docker.sh\` starts one): ${summarize(engine.stderr ?? "")}\n` };
  const image = options.image ?? BUSYBOX_IMAGE;
  if (!imageExists(image)) return { ok: false, markdown: `${title}\n\nskipped: the job image ${image} is missing (\`bash test/setup/docker.sh\` builds it).\n` };
  ensureGnuTime();
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), "pipec-run-bench-"));
  const context: Context = { node: process.execPath, cli, dir, image, options, rows: [], checks: [], notes: [] };
  let ok = true;
  try {
    ok = (await overheadCase(context)) && ok;
    ok = (await schedulingCase(context)) && ok;
    ok = (await memoryCase(context)) && ok;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const markdown = [
    title,
    "",
    `Node ${process.version}, Docker ${engine.stdout.trim()}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}; job image \`${image}\` for pipec, the floor and gitlab-ci-local alike; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (other work on the machine slows every figure, floors included: compare ratios).`,
    `pipec figures are fresh processes of \`node dist/cli.mjs run FILE --executor docker --concurrency N --json --no-cache\` (TypeScript pipelines, type-check cache warmed by one \`pipec build\` first), median of ${options.runs}; floor runs interleave with pipec's; gitlab-ci-local: median of ${options.peerRuns}. Only the rows that say "fully cached re-run" run with the job cache on.`,
    "Every pipec run's events are checked before its figure counts: the run and every job started and finished with status success, every job ran its steps and none was a job-cache hit (a cached re-run: every job a hit, no step run). A figure whose check failed prints as INVALID with the reason, and the section fails.",
    "",
    renderRunTable(context.rows),
    "",
    "### Targets",
    "",
    renderChecks(context.checks),
    "",
    "### Where the time goes",
    "",
    ...context.notes.map((note) => `- ${note}`),
    "",
    `The run benchmark took ${seconds.toFixed(0)} s.`,
    "",
  ].join("\n");
  return { ok, markdown };
}

/** `cache`: run with the job cache on; measured runs use `--no-cache`, so every job runs. */
const pipecRun = (context: Context, file: string, concurrency: number, cache: boolean): string[] => [
  context.node, context.cli, "run", file, "--executor", "docker", "--concurrency", String(concurrency), "--json", ...(cache ? [] : ["--no-cache"]),
];

/** Writes the pipeline and fills the type-check cache with `pipec build`, so runs time the run, not tsc. */
async function preparePipeline(context: Context, file: string, dag: Dag): Promise<void> {
  await writeFile(join(context.dir, file), renderTs(dag, { image: context.image }));
  await measure([context.node, context.cli, "build", file, "-o", `${file}.plan.json`, "--format", "json"], { cwd: context.dir });
}

/** What a measured run must have done: every job of `dag` ran (or, `cached`, was a job-cache hit). */
const expectation = (dag: Dag, cache: RunExpectation["cache"] = "ran"): RunExpectation => ({ jobs: dag.jobs.map((job) => job.name), cache });

/** One timed `pipec run`, its events checked by guardRun; with the job cache on when the expectation is `cached` or `cache` says so. */
async function timePipec(context: Context, file: string, concurrency: number, expected: RunExpectation, cache = expected.cache === "cached"): Promise<PipecResult> {
  try {
    const sample = await measure(pipecRun(context, file, concurrency, cache), { cwd: context.dir });
    const verdict = guardRun(sample.stdout, expected);
    if (!verdict.valid) return { ok: false, reason: invalidText(verdict.reason), invalid: verdict.reason };
    return { ok: true, sample, timeline: parseRunEvents(sample.stdout) };
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : summarize(String(error));
    return { ok: false, reason: `pipec run failed: ${detail}` };
  }
}

/** Names the run in a failure's reason: `run 2 of 3: …`. */
function ofRun(result: PipecResult, i: number, runs: number): PipecResult {
  if (result.ok || runs === 1) return result;
  const where = (text: string): string => `run ${i + 1} of ${runs}: ${text}`;
  return result.invalid === undefined ? { ok: false, reason: where(result.reason) } : { ok: false, reason: invalidText(where(result.invalid)), invalid: where(result.invalid) };
}

/** The guard's reason when a result is INVALID. */
const invalidOf = (result: PipecResult): string | undefined => (result.ok ? undefined : result.invalid);

/** The successful result with the median `by`, or the first failure. */
function medianResult<T extends { ok: boolean }>(results: readonly T[], by: (result: Extract<T, { ok: true }>) => number): T {
  const good = results.filter((result): result is Extract<T, { ok: true }> => result.ok);
  if (good.length < results.length || good.length === 0) return results.find((result) => !result.ok) ?? results[0]!;
  return [...good].sort((a, b) => by(a) - by(b))[Math.floor(good.length / 2)]!;
}

const failedRow = (section: string, figure: string, reason: string): RunRow => ({ section, figure, ms: null, note: reason });
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))] ?? Number.NaN;

async function overheadCase(context: Context): Promise<boolean> {
  const { jobs, concurrency } = OVERHEAD_CASE;
  const { rows, options, image } = context;
  const section = `${jobs} no-op jobs, concurrency ${concurrency} (= the 2 cores)`;
  const dag = noopDag(jobs, `noop-${jobs}`);
  const file = "noop.pipeline.ts";
  options.log(`run bench: ${section}`);
  await preparePipeline(context, file, dag);
  const floorCommand = noopContainer(image);
  await runCommand(floorCommand, { cwd: context.dir });

  const floors: ({ ok: true; sample: FloorSample } | { ok: false; reason: string })[] = [];
  const pipecs: PipecResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    floors.push(await timeLanes(floorCommand, jobs, concurrency, context.dir).then((sample) => ({ ok: true as const, sample }), (error: Error) => ({ ok: false as const, reason: error.message })));
    pipecs.push(ofRun(await timePipec(context, file, concurrency, expectation(dag)), i, options.runs));
    const [floor, pipec] = [floors.at(-1)!, pipecs.at(-1)!];
    options.log(`  floor ${floor.ok ? ms(floor.sample.wallMs) : floor.reason}; pipec ${pipec.ok ? `${ms(pipec.sample.wallMs)} (run ${ms(pipec.timeline.runMs)})` : pipec.reason}`);
  }
  const floor = medianResult(floors, (result) => result.sample.wallMs);
  const pipec = medianResult(pipecs, (result) => result.sample.wallMs);
  const floorMs = floor.ok ? floor.sample.wallMs : null;

  // The job cache, in rows of its own: one run with the cache on fills it, then fully cached re-runs.
  const fill = await timePipec(context, file, concurrency, expectation(dag), true);
  options.log(`  pipec, job cache on, first run (fills it) ${fill.ok ? ms(fill.sample.wallMs) : fill.reason}`);
  const cachedRuns: PipecResult[] = [];
  for (let i = 0; fill.ok && i < options.runs; i++) {
    cachedRuns.push(ofRun(await timePipec(context, file, concurrency, expectation(dag, "cached")), i, options.runs));
    const last = cachedRuns.at(-1)!;
    options.log(`  pipec, fully cached re-run ${last.ok ? `${ms(last.sample.wallMs)} (run ${ms(last.timeline.runMs)})` : last.reason}`);
  }
  const cached = fill.ok ? medianResult(cachedRuns, (result) => result.sample.wallMs) : fill;

  options.log("  gitlab-ci-local: helper image, then the pipeline");
  const helper = await ensureHelperImage(options.log);
  const peer = helper.ok
    ? await timeGitlabCiLocalRun(options.peersDir, renderGitlabCi(dag, { image }), jobs, { helperImage: HELPER_IMAGE, concurrency, runs: options.peerRuns })
    : helper;
  options.log(`  gitlab-ci-local ${peer.ok ? ms(peer.sample.wallMs) : peer.reason}`);

  const pipecMs = pipec.ok ? pipec.sample.wallMs : null;
  const peerMs = peer.ok ? peer.sample.wallMs : null;
  const pipecInvalid = invalidOf(pipec);
  const peerInvalid: string | undefined = !peer.ok && "invalid" in peer && typeof peer.invalid === "string" ? peer.invalid : undefined;
  const vsFloor = ratioAtMost(pipecMs, floorMs, RUN_TARGETS.floorRatio);
  const vsPeer = ratioAtMost(pipecMs, peerMs, RUN_TARGETS.peerRatio);
  const ofFloor = (value: number | null): string => (value !== null && floorMs ? `${times(value / floorMs)} floor` : "");

  rows.push(floor.ok
    ? { section, figure: `floor: ${jobs} × \`${floorCommand.join(" ").replace(image, "IMAGE")}\`, ${concurrency} sequential lanes`, ms: floor.sample.wallMs, ratio: "1.00x floor" }
    : failedRow(section, "floor", floor.reason));
  if (pipec.ok) {
    rows.push({ section, figure: "pipec run --no-cache, whole process (start, compile, run, exit)", ms: pipec.sample.wallMs, peakRssMb: pipec.sample.peakRssMb, ratio: ofFloor(pipec.sample.wallMs), target: targetCell(`≤ ${RUN_TARGETS.floorRatio}x floor`, vsFloor) });
    rows.push({ section, figure: "pipec run --no-cache, run.started → run.finished", ms: pipec.timeline.runMs, ratio: ofFloor(pipec.timeline.runMs) });
  } else rows.push({ ...failedRow(section, "pipec run --no-cache", pipec.reason), target: targetCell(`≤ ${RUN_TARGETS.floorRatio}x floor`, null, pipecInvalid) });
  rows.push(peer.ok
    ? { section, figure: `gitlab-ci-local 4.75.1 (Node 22), whole process, --concurrency ${concurrency}`, ms: peer.sample.wallMs, peakRssMb: peer.sample.peakRssMb, ratio: ofFloor(peer.sample.wallMs) }
    : failedRow(section, "gitlab-ci-local 4.75.1", peerInvalid === undefined ? `peer unavailable: ${peer.reason}` : invalidText(peerInvalid)));
  rows.push({ section, figure: "pipec / gitlab-ci-local (whole processes)", ms: null, note: "", ratio: vsPeer ? times(vsPeer.ratio) : "n/a", target: targetCell(`≤ ${RUN_TARGETS.peerRatio}x`, vsPeer, pipecInvalid ?? peerInvalid) });
  if (cached.ok) {
    rows.push({ section, figure: "pipec run, fully cached re-run (job cache on: every job a cache hit, no container started), whole process", ms: cached.sample.wallMs, peakRssMb: cached.sample.peakRssMb, ratio: ofFloor(cached.sample.wallMs) });
    rows.push({ section, figure: "pipec run, fully cached re-run, run.started → run.finished", ms: cached.timeline.runMs, ratio: ofFloor(cached.timeline.runMs) });
  } else rows.push(failedRow(section, "pipec run, fully cached re-run", fill.ok ? cached.reason : `the run that fills the job cache: ${cached.reason}`));

  context.checks.push(...ratioChecks([
    { what: `job overhead: pipec / floor, ${jobs} no-op jobs at concurrency ${concurrency}`, bound: `≤ ${RUN_TARGETS.floorRatio}x`, check: vsFloor, ...(pipecInvalid === undefined ? {} : { invalid: pipecInvalid }) },
    { what: `job overhead: pipec / gitlab-ci-local, same jobs`, bound: `≤ ${RUN_TARGETS.peerRatio}x`, check: vsPeer, ...(pipecInvalid ?? peerInvalid ? { invalid: (pipecInvalid ?? peerInvalid)! } : {}) },
  ]));
  const cachedInvalid = invalidOf(cached);
  if (cachedInvalid !== undefined) context.checks.push({ what: `job cache: fully cached re-run of the ${jobs} no-op jobs`, value: "", target: "", pass: null, invalid: cachedInvalid });
  if (pipec.ok && floor.ok) {
    const perJob = [...pipec.timeline.jobs.values()].map((job) => job.durationMs);
    const busy = perJob.reduce((sum, value) => sum + value, 0) / concurrency;
    context.notes.push(
      `no-op jobs: one pipec job (job.started → job.finished) takes median ${ms(medianOf(perJob))} (p90 ${ms(percentile(perJob, 0.9))}); one plain \`docker run\` takes median ${ms(medianOf(floor.sample.eachMs))} (p90 ${ms(percentile(floor.sample.eachMs, 0.9))}).`,
      `no-op jobs: the jobs keep both lanes busy for ${ms(busy)} of the ${ms(pipec.timeline.runMs)} run span; the process spends ${ms(pipec.sample.wallMs - pipec.timeline.runMs)} outside it (node start, loading the CLI, compiling the pipeline with a warm type-check cache, connecting to Docker, writing the run record).`,
    );
  }
  return floor.ok && pipec.ok && cached.ok && peerInvalid === undefined;
}

async function schedulingCase(context: Context): Promise<boolean> {
  const { rows, options } = context;
  const dag = timedDag("schedule", SCHEDULING_JOBS);
  const concurrency = dag.jobs.length;
  const section = `DAG of ${dag.jobs.length} jobs with uneven sleeps, concurrency ${concurrency}`;
  const file = "schedule.pipeline.ts";
  options.log(`run bench: ${section}`);
  await preparePipeline(context, file, dag);
  const results: PipecResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    results.push(ofRun(await timePipec(context, file, concurrency, expectation(dag)), i, options.runs));
    const last = results.at(-1)!;
    options.log(`  pipec ${last.ok ? `${ms(last.sample.wallMs)} (run ${ms(last.timeline.runMs)})` : last.reason}`);
  }
  const pipec = medianResult(results, (result) => result.timeline.runMs);
  const path = criticalPath(dag, dag.durationsMs);
  const waves = waveTime(dag, dag.durationsMs);
  const ofPath = (value: number): string => `${times(value / path.ms)} critical path`;
  rows.push({ section, figure: `critical path ${path.jobs.join("→")} (sum of its sleeps)`, ms: path.ms, ratio: "1.00x critical path" });
  rows.push({ section, figure: `wave scheduler: slowest sleep of each level, ${waves.waves.map((wave) => `{${wave.jobs.join(",")}}`).join(" ")}`, ms: waves.ms, ratio: ofPath(waves.ms) });
  const bound = `≤ ${RUN_TARGETS.criticalPathRatio}x critical path`;
  if (!pipec.ok) {
    rows.push({ ...failedRow(section, "pipec run --no-cache", pipec.reason), target: targetCell(bound, null, pipec.invalid) });
    context.checks.push(...ratioChecks([{ what: "scheduling: pipec run / critical path", bound, check: null, ...(pipec.invalid === undefined ? {} : { invalid: pipec.invalid }) }]));
    return false;
  }
  const { timeline, sample } = pipec;
  // Each job's measured time (job.started → job.finished): its sleep plus its container's cost.
  const measured = dag.jobs.map((job) => timeline.jobs.get(job.name)?.durationMs ?? Number.NaN);
  const overheadOf = (name: string): number => {
    const i = dag.jobs.findIndex((job) => job.name === name);
    return measured[i]! - dag.durationsMs[i]!;
  };
  const pathOverhead = path.jobs.reduce((sum, name) => sum + overheadOf(name), 0);
  const adjusted = timeline.runMs - pathOverhead;
  const measuredPath = criticalPath(dag, measured);
  const measuredWaves = waveTime(dag, measured).ms;
  const raw = ratioAtMost(timeline.runMs, path.ms, RUN_TARGETS.criticalPathRatio);
  const net = ratioAtMost(adjusted, path.ms, RUN_TARGETS.criticalPathRatio);
  const gaps = dispatchGapsMs(timeline, dag);
  const worstGap = gaps.reduce((worst, gap) => (gap.gapMs > worst.gapMs ? gap : worst), { job: "-", gapMs: 0 });
  rows.push({ section, figure: "pipec run, run.started → run.finished (raw)", ms: timeline.runMs, ratio: ofPath(timeline.runMs), target: targetCell(bound, raw) });
  rows.push({
    section,
    figure: `pipec raw minus the container overhead of ${path.jobs.join(", ")} (their job times over their sleeps: ${path.jobs.map((name) => ms(overheadOf(name))).join(" + ")})`,
    ms: adjusted,
    ratio: ofPath(adjusted),
    target: targetCell(bound, net),
  });
  rows.push({ section, figure: `critical path of the measured job times, ${measuredPath.jobs.join("→")} (no scheduler can beat it)`, ms: measuredPath.ms, ratio: `${ofPath(measuredPath.ms)}; pipec raw = ${times(timeline.runMs / measuredPath.ms)} of it` });
  rows.push({ section, figure: "wave scheduler with the measured job times", ms: measuredWaves, ratio: `${ofPath(measuredWaves)}; pipec raw = ${times(timeline.runMs / measuredWaves)} of it` });
  rows.push({ section, figure: "pipec run, whole process", ms: sample.wallMs, peakRssMb: sample.peakRssMb, ratio: ofPath(sample.wallMs) });
  rows.push({ section, figure: `largest dispatch delay (last need finished → job started), job ${worstGap.job}`, ms: worstGap.gapMs });
  context.checks.push(...ratioChecks([
    { what: "scheduling: pipec run (raw run span) / critical path", bound: `≤ ${RUN_TARGETS.criticalPathRatio}x`, check: raw },
    { what: "scheduling: pipec run minus the critical path's container overhead / critical path", bound: `≤ ${RUN_TARGETS.criticalPathRatio}x`, check: net },
  ]));
  const byJob = dag.jobs.map((job, i) => `${job.name} ${ms(measured[i]!)} for ${dag.durationsMs[i]! / 1000} s`);
  context.notes.push(
    `scheduling: job times ${byJob.join(", ")}: median ${ms(medianOf(jobOverheadsMs(timeline, dag)))} over the sleep. pipec's own critical path (run.finished): ${timeline.criticalPath.join("→") || "none"}.`,
  );
  return true;
}

async function memoryCase(context: Context): Promise<boolean> {
  const { rows, options } = context;
  const { jobs, seconds } = MEMORY_CASE;
  const section = `${jobs} jobs of \`sleep ${seconds}\` at once, concurrency ${jobs}`;
  const dag = sleepersDag(jobs, seconds, `sleep-${jobs}`);
  const file = "memory.pipeline.ts";
  options.log(`run bench: ${section}`);
  await preparePipeline(context, file, dag);
  const results: PipecResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    results.push(ofRun(await timePipec(context, file, jobs, expectation(dag)), i, options.runs));
    const last = results.at(-1)!;
    options.log(`  pipec ${last.ok ? `${ms(last.sample.wallMs)}, ${last.sample.peakRssMb?.toFixed(0) ?? "?"} MB` : last.reason}`);
  }
  const pipec = medianResult(results, (result) => result.sample.wallMs);
  const bound = `< ${RUN_TARGETS.peakRssMb} MB`;
  if (!pipec.ok) {
    rows.push({ ...failedRow(section, "pipec run --no-cache", pipec.reason), target: targetCell(bound, null, pipec.invalid) });
    context.checks.push({ what: "memory: pipec peak RSS", value: "not measured", target: bound, pass: null, ...(pipec.invalid === undefined ? {} : { invalid: pipec.invalid }) });
    return false;
  }
  const peaks = results.flatMap((result) => (result.ok && result.sample.peakRssMb !== null ? [result.sample.peakRssMb] : []));
  const peak = peaks.length > 0 ? Math.max(...peaks) : null;
  const check: RatioCheck | null = peak === null ? null : { ratio: peak / RUN_TARGETS.peakRssMb, pass: peak < RUN_TARGETS.peakRssMb };
  const atOnce = peakConcurrency(pipec.timeline);
  rows.push({ section, figure: `pipec run, whole process; peak RSS is the largest of ${peaks.length} runs`, ms: pipec.sample.wallMs, peakRssMb: peak, ratio: `${atOnce} jobs running at once`, target: targetCell(bound, check) });

  // A first run of a pipeline type-checks it: informational, it measures the compiler, not the run.
  await rm(join(context.dir, ".pipec", "cache"), { recursive: true, force: true });
  const cold = await timePipec(context, file, jobs, expectation(dag));
  rows.push(cold.ok
    ? { section, figure: "pipec run, cold type-check cache (a pipeline's first run, once)", ms: cold.sample.wallMs, peakRssMb: cold.sample.peakRssMb, ratio: `${peakConcurrency(cold.timeline)} jobs running at once` }
    : failedRow(section, "pipec run, cold type-check cache", cold.reason));
  // The cold row is informational when pipec could not run it, but a run that skipped work fails the section.
  const coldOk = cold.ok || cold.invalid === undefined;
  const jobTimes = [...pipec.timeline.jobs.values()].map((job) => job.durationMs);
  context.notes.push(
    `memory: the run span is ${ms(pipec.timeline.runMs)} for ${seconds} s sleeps; a job takes median ${ms(medianOf(jobTimes))} (max ${ms(Math.max(...jobTimes))}), as ${jobs} containers start at once on ${cpus().length} cores.`,
  );
  if (cold.ok) context.notes.push(`memory: a pipeline's first run peaks at ${cold.sample.peakRssMb?.toFixed(0) ?? "?"} MB because it type-checks it (the TypeScript compiler loaded); later runs hit the type-check cache.`);
  context.checks.push({ what: `memory: pipec peak RSS, ${jobs} jobs at once (type-check cache warm)`, value: peak === null ? "not measured (no GNU time)" : `${peak.toFixed(0)} MB`, target: bound, pass: check ? check.pass : null });
  return coldOk;
}
