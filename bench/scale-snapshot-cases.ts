/**
 * Snapshots at scale (issue 15): a generated git project of N small files and a pipeline of two echo
 * jobs (`build` keyed on `src/**`, `docs` on every file), run with the local executor so the figures
 * are pipec's file work, not container starts. Each figure is a fresh `node dist/cli.mjs run plan.json
 * --executor local --json` (the plan built once first, so no figure times the compiler), checked by its
 * guard before it counts:
 * - first run (no `.pipec/`), both jobs run, against `cp -a` of the project's files once per job (taking turns, `sync` before each);
 * - fully cached run, both jobs hits, against `git status` on the same tree plus a bare node start;
 * - `.pipec/` growth of one unchanged run (bytes of every file under it, before and after);
 * - a one-line edit outside `src/**`: `build` stays a hit, `docs` runs;
 * - the same fully cached run at the largest size, against `git status`.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardRun, readEvents } from "./guards/run-guard.ts";
import { invalidText } from "./guards/verdict.ts";
import { measure, measureMedian, median, type Sample } from "./measure.ts";
import { ratioAtMost, ratioChecks, targetCell, times } from "./run-report.ts";
import type { ScaleContext } from "./scale-bench.ts";

export const SCALE_TARGETS = { cachedVsGitStatus: 3, firstVsCopy: 1.3, growthBytes: 1024 * 1024 } as const;
const JOBS = ["build", "docs"];
const PIPELINE = `name: scale
image: busybox:1.36
jobs:
  build:
    cache_key:
      files: ["src/**"]
    steps:
      - echo build
  docs:
    steps:
      - echo docs
`;

export async function snapshotCases(context: ScaleContext): Promise<boolean> {
  let ok = true;
  const sizes = [...context.options.files].sort((a, b) => a - b);
  for (const [index, files] of sizes.entries()) {
    const dir = await mkdtemp(join(tmpdir(), "pipec-scale-"));
    try {
      context.options.log(`scale: generating a project of ${files} files`);
      generateProject(dir, files);
      await measure([context.node, context.cli, "build", "pipeline.yaml", "-o", "plan.json", "--format", "json"], { cwd: dir });
      ok = (index === 0 ? await smallCases(context, dir, files) : await largeCase(context, dir, files)) && ok;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return ok;
}

/** Writes `files` files (100 per folder), the pipeline and its plan, and commits them to git. */
export function generateProject(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const folder = join(dir, "src", `d${String(Math.floor(i / 100)).padStart(4, "0")}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.ts`), `export const value${i} = ${i};\n`);
  }
  mkdirSync(join(dir, "docs"));
  writeFileSync(join(dir, "docs", "notes.md"), "# notes\n");
  writeFileSync(join(dir, "pipeline.yaml"), PIPELINE);
  writeFileSync(join(dir, ".gitignore"), ".pipec/\nplan.json\n");
  // gc.auto=0: a commit of 10,000 new objects or more would start `git gc --auto` in the background, which
  // would compete with every figure and write into .git while the project is removed.
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "gc.auto=0", ...args], { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  git("add", ".");
  git("commit", "-q", "-m", "generated");
}

const pipecRun = (context: ScaleContext) => [context.node, context.cli, "run", "plan.json", "--executor", "local", "--json"];

async function smallCases(context: ScaleContext, dir: string, files: number): Promise<boolean> {
  const { runs } = context.options;
  const section = `${files.toLocaleString("en")} files`;
  let ok = true;

  // First run: no .pipec/, every file read into the store, two job workspaces; against cp -a per job.
  // The two take turns run by run, each after an untimed `sync` (as in the artifacts section), so that
  // neither pays for dirty pages left by the other or by the generated project (10,000 files and their
  // git objects, just written), and a change of load moves both medians alike.
  const copies = join(dir, "..", `${dir.split("/").pop()}-copies`);
  const copyCommand = ["sh", "-c", `mkdir -p ${copies}/1 ${copies}/2 && cp -a src docs pipeline.yaml ${copies}/1/ && cp -a src docs pipeline.yaml ${copies}/2/`];
  const pipecSamples: Sample[] = [];
  const copySamples: Sample[] = [];
  for (let run = 0; run < runs; run++) {
    rmSync(join(dir, ".pipec"), { recursive: true, force: true });
    execFileSync("sync");
    pipecSamples.push(await measure(pipecRun(context), { cwd: dir }));
    await trashRemoved(dir);
    rmSync(copies, { recursive: true, force: true });
    execFileSync("sync");
    copySamples.push(await measure(copyCommand, { cwd: dir }));
  }
  rmSync(copies, { recursive: true, force: true });
  const first = await guarded(async () => median(pipecSamples), { jobs: JOBS, cache: "ran" });
  const copy = median(copySamples);
  const firstCheck = ratioAtMost(first.ms, copy.wallMs, SCALE_TARGETS.firstVsCopy);
  context.rows.push(
    { section: `first run, ${section}, 2 jobs`, figure: "pipec run (no .pipec/)", ms: first.ms, note: first.invalid, ratio: firstCheck ? `${times(firstCheck.ratio)} cp -a` : "", target: targetCell(`≤ ${SCALE_TARGETS.firstVsCopy}x`, firstCheck, first.invalid) },
    { section: `first run, ${section}, 2 jobs`, figure: "cp -a of the files, once per job", ms: copy.wallMs },
  );
  ok = first.invalid === undefined && ok;

  // Fully cached: warm once, then time; the floor is git status plus a bare node start.
  await measure(pipecRun(context), { cwd: dir });
  const before = treeBytes(join(dir, ".pipec"));
  const cached = await guarded(() => measureMedian(pipecRun(context), { cwd: dir, runs }), { jobs: JOBS, cache: "cached" });
  const growth = (treeBytes(join(dir, ".pipec")) - before) / runs;
  const floor = await gitStatusFloor(context, dir);
  const cachedCheck = ratioAtMost(cached.ms, floor.gitMs + floor.nodeMs, SCALE_TARGETS.cachedVsGitStatus);
  context.rows.push(
    { section: `fully cached run, ${section}`, figure: "pipec run (both jobs hits)", ms: cached.ms, note: cached.invalid, ratio: cachedCheck ? `${times(cachedCheck.ratio)} floor` : "", target: targetCell(`≤ ${SCALE_TARGETS.cachedVsGitStatus}x`, cachedCheck, cached.invalid) },
    { section: `fully cached run, ${section}`, figure: "floor: git status + node start", ms: floor.gitMs + floor.nodeMs, ratio: `${floor.gitMs.toFixed(0)} + ${floor.nodeMs.toFixed(0)} ms` },
    { section: `.pipec/ growth per unchanged run, ${section}`, figure: `bytes added per run (mean of ${runs})`, ms: null, note: `${Math.round(growth)} B`, target: `< 1 MB ${growth < SCALE_TARGETS.growthBytes ? "PASS" : "MISS"}` },
  );
  ok = cached.invalid === undefined && ok;

  // A one-line edit outside src/**: build (keyed on src/**) stays a hit, docs runs.
  appendFileSync(join(dir, "docs", "notes.md"), "one more line\n");
  const edit = await measure(pipecRun(context), { cwd: dir });
  await trashRemoved(dir);
  const events = readEvents(edit.stdout);
  const hit = (job: string) => events.some((e) => e.type === "job.cache" && e.job === job && e.hit === true);
  const editOk = hit("build") && !hit("docs");
  context.rows.push({ section: `one-line edit outside src/**, ${section}`, figure: "pipec run", ms: edit.wallMs, ratio: `build ${hit("build") ? "hit" : "miss"}, docs ${hit("docs") ? "hit" : "ran"}`, target: `build a hit ${editOk ? "PASS" : "MISS"}` });

  context.checks.push(
    ...ratioChecks([
      { what: `first run, ${section}, 2 jobs, vs cp -a once per job`, bound: `≤ ${SCALE_TARGETS.firstVsCopy}x`, check: firstCheck, invalid: first.invalid },
      { what: `fully cached run, ${section}, vs git status + node start`, bound: `≤ ${SCALE_TARGETS.cachedVsGitStatus}x`, check: cachedCheck, invalid: cached.invalid },
    ]),
    { what: `.pipec/ growth per unchanged run, ${section}`, value: `${Math.round(growth)} B`, target: "< 1 MB", pass: growth < SCALE_TARGETS.growthBytes },
    { what: `one-line edit outside src/**, ${section}: the job keyed on src/** is a cache hit`, value: hit("build") ? "hit" : "miss", target: "hit", pass: editOk },
  );
  context.notes.push(
    `${section}: a first run reads every file once into the store (sha256), its small files into one pack (two file creations in all), and writes each file once per job from the bytes it read (small files; larger ones are copied from the store with copy_file_range, or a reflink on btrfs/XFS/APFS), the two jobs' workspaces side by side on libuv's threads; cp -a creates each file once per job, one after the other. At the end pipec renames the workspaces into .pipec/trash and a detached process removes them after pipec has exited: that removal (20,000 unlinks) is in no figure; the bench waits, untimed, until it is done before the next figure.`,
  );
  return ok && editOk && growth < SCALE_TARGETS.growthBytes;
}

async function largeCase(context: ScaleContext, dir: string, files: number): Promise<boolean> {
  const section = `fully cached run, ${files.toLocaleString("en")} files`;
  context.options.log(`scale: first run of ${files} files (warm-up)`);
  await measure(pipecRun(context), { cwd: dir });
  await trashRemoved(dir);
  const cached = await guarded(() => measureMedian(pipecRun(context), { cwd: dir, runs: context.options.runs }), { jobs: JOBS, cache: "cached" });
  const floor = await gitStatusFloor(context, dir);
  const check = ratioAtMost(cached.ms, floor.gitMs, SCALE_TARGETS.cachedVsGitStatus);
  const withNode = ratioAtMost(cached.ms, floor.gitMs + floor.nodeMs, SCALE_TARGETS.cachedVsGitStatus);
  context.rows.push(
    { section, figure: "pipec run (both jobs hits)", ms: cached.ms, note: cached.invalid, ratio: check ? `${times(check.ratio)} git status (${withNode ? times(withNode.ratio) : "?"} with node start)` : "", target: targetCell(`≤ ${SCALE_TARGETS.cachedVsGitStatus}x`, check, cached.invalid) },
    { section, figure: "git status", ms: floor.gitMs },
  );
  context.checks.push(...ratioChecks([{ what: `${section}, vs git status`, bound: `≤ ${SCALE_TARGETS.cachedVsGitStatus}x`, check, invalid: cached.invalid }]));
  return cached.invalid === undefined && (check?.pass ?? false);
}

/**
 * Waits, untimed, until the detached remover of a run's job workspaces (runtime/workspace/remove-later.ts)
 * has emptied `.pipec/trash`: its unlinks belong to no figure, and must not slow the next one (cp -a's above all).
 */
async function trashRemoved(dir: string): Promise<void> {
  const trash = join(dir, ".pipec", "trash");
  const until = Date.now() + 300_000;
  while (existsSync(trash) && readdirSync(trash).length > 0) {
    if (Date.now() > until) throw new Error(`${trash} was not emptied within 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A figure that counts only when its guard says the run did the work. */
async function guarded(time: () => Promise<Sample>, expected: Parameters<typeof guardRun>[1]): Promise<{ ms: number | null; invalid?: string }> {
  const sample = await time();
  const verdict = guardRun(sample.stdout, expected);
  return verdict.valid ? { ms: sample.wallMs } : { ms: null, invalid: invalidText(verdict.reason) };
}

async function gitStatusFloor(context: ScaleContext, dir: string): Promise<{ gitMs: number; nodeMs: number }> {
  const git = await measureMedian(["git", "status", "--porcelain"], { cwd: dir, runs: context.options.runs });
  const node = await measureMedian([context.node, "-e", "0"], { cwd: dir, runs: context.options.runs });
  return { gitMs: git.wallMs, nodeMs: node.wallMs };
}

/** Bytes of every file under `dir` (what the disk holds for it, apart from block rounding). */
export function treeBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    const stats = lstatSync(path);
    total += stats.isDirectory() ? treeBytes(path) : stats.size;
  }
  return total;
}
