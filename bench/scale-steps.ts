/**
 * The `scale` section's "job of 10 steps" case (issue 15): one job of 10 steps against its floor, one
 * plain `docker run` that runs the 10 commands in sequence, side by side in one run (interleaved).
 * The figure held to the target is the job's own span (job.started → job.finished from `pipec run
 * --json`): what the job costs beyond the floor's one container. For scale, the whole pipec process
 * and 10 × `docker run` (one container per step, as pipec did before) are printed beside it. Each
 * pipec run's events go through guardSteps (guards/steps-guard.ts) before its figure counts.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX_IMAGE, imageExists } from "./bench-images.ts";
import type { BenchReport } from "./compiler-bench.ts";
import { timeLanes, type FloorSample } from "./docker-floor.ts";
import { guardSteps } from "./guards/steps-guard.ts";
import { invalidText } from "./guards/verdict.ts";
import { CommandFailedError, measure, summarize } from "./measure.ts";
import { renderChecks } from "./report.ts";
import { parseRunEvents } from "./run-events.ts";
import { ratioAtMost, ratioChecks, renderRunTable, targetCell, times, type RunRow } from "./run-report.ts";

export const STEPS_CASE = { steps: 10, floorRatio: 1.3 } as const;

export interface StepsCaseOptions {
  readonly root: string;
  /** Interleaved rounds of pipec and the floors; figures are medians. @default 3 */
  readonly runs: number;
  readonly image?: string;
  readonly log: (line: string) => void;
}

/** The commands of the job's steps: small, real work (a file each in the workspace), no sleep. */
export const stepCommands = (steps: number): string[] => Array.from({ length: steps }, (_, i) => `echo step ${i + 1} > s${i + 1}.txt; cat s${i + 1}.txt`);

export function renderStepsPipeline(image: string, steps: number): string {
  const lines = ["name: ten-steps", "jobs:", "  steps:", `    image: ${image}`, "    steps:"];
  for (const command of stepCommands(steps)) lines.push(`      - script: ${JSON.stringify(command)}`);
  return `${lines.join("\n")}\n`;
}

type Timed = { readonly ok: true; readonly wallMs: number; readonly jobMs: number } | { readonly ok: false; readonly reason: string; readonly invalid?: string };

const medianOf = (values: readonly number[]): number | null => (values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
const ms = (value: number): string => `${value.toFixed(0)} ms`;

export async function runStepsCase(options: StepsCaseOptions): Promise<BenchReport> {
  const title = "## pipec scale benchmark: a job of 10 steps";
  const { steps, floorRatio } = STEPS_CASE;
  const cli = join(options.root, "dist", "cli.mjs");
  if (!existsSync(cli)) return { ok: false, markdown: `${title}\n\n${cli} is missing: run \`node scripts/build.mjs\` first (npm run bench does).\n` };
  const engine = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 10_000 });
  if (engine.status !== 0) return { ok: false, markdown: `${title}\n\nskipped: no Docker engine answers (\`bash test/setup/docker.sh\` starts one): ${summarize(engine.stderr ?? "")}\n` };
  const image = options.image ?? BUSYBOX_IMAGE;
  if (!imageExists(image)) return { ok: false, markdown: `${title}\n\nskipped: the job image ${image} is missing (\`bash test/setup/docker.sh\` builds it).\n` };
  const loadBefore = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), "pipec-steps-bench-"));
  const commands = stepCommands(steps);
  const oneRun = ["docker", "run", "--rm", "--network", "none", "-v", `${dir}:/workspace`, "-w", "/workspace", image, "sh", "-e", "-c", commands.join("\n")];
  const perStep = commands.map((command) => ["docker", "run", "--rm", "--network", "none", "-v", `${dir}:/workspace`, "-w", "/workspace", image, "sh", "-e", "-c", command]);
  const pipecs: Timed[] = [];
  const floors: number[] = [];
  const perSteps: number[] = [];
  let floorProblem: string | null = null;
  try {
    await writeFile(join(dir, "steps.yaml"), renderStepsPipeline(image, steps));
    options.log(`scale bench: a job of ${steps} steps`);
    await timeLanes(oneRun, 1, 1, dir).catch(() => undefined); // warm the engine's caches for the image
    for (let i = 0; i < options.runs; i++) {
      try {
        floors.push((await timeLanes(oneRun, 1, 1, dir)).wallMs);
        perSteps.push(await timeSequence(perStep, dir));
      } catch (error) {
        floorProblem = error instanceof Error ? error.message : String(error);
      }
      pipecs.push(await timePipec(process.execPath, cli, dir, steps));
      const last = pipecs.at(-1)!;
      options.log(`  floor ${floors.at(-1)?.toFixed(0) ?? "?"} ms; pipec ${last.ok ? `job ${ms(last.jobMs)}, process ${ms(last.wallMs)}` : last.reason}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const failed = pipecs.find((result): result is Extract<Timed, { ok: false }> => !result.ok);
  const good = pipecs.filter((result): result is Extract<Timed, { ok: true }> => result.ok);
  const floorMs = floorProblem === null ? medianOf(floors) : null;
  const jobMs = failed ? null : medianOf(good.map((result) => result.jobMs));
  const wallMs = failed ? null : medianOf(good.map((result) => result.wallMs));
  const perStepMs = floorProblem === null ? medianOf(perSteps) : null;
  const check = ratioAtMost(jobMs, floorMs, floorRatio);
  const bound = `≤ ${floorRatio}x floor`;
  const ofFloor = (value: number | null): string => (value !== null && floorMs ? `${times(value / floorMs)} floor` : "");
  const section = `1 job of ${steps} steps`;
  const rows: RunRow[] = [
    floorMs === null ? { section, figure: "floor", ms: null, note: floorProblem ?? "not measured" } : { section, figure: `floor: one \`docker run --rm --network none -v DIR:/workspace IMAGE sh -e -c\` running the ${steps} commands in sequence`, ms: floorMs, ratio: "1.00x floor" },
    jobMs === null
      ? { section, figure: "pipec run --no-cache, job.started → job.finished", ms: null, note: failed?.reason ?? "not measured", target: targetCell(bound, null, failed?.invalid) }
      : { section, figure: "pipec run --no-cache, job.started → job.finished (one container, steps run by its agent; its removal after the job's result)", ms: jobMs, ratio: ofFloor(jobMs), target: targetCell(bound, check) },
    ...(wallMs === null ? [] : [{ section, figure: "pipec run --no-cache, whole process (node start, compile, run, exit)", ms: wallMs, ratio: ofFloor(wallMs) }]),
    ...(perStepMs === null ? [] : [{ section, figure: `${steps} × \`docker run\`, one container per step (pipec's former cost)`, ms: perStepMs, ratio: ofFloor(perStepMs) }]),
  ];
  const checks = ratioChecks([{ what: `a job of ${steps} steps: pipec's job span / one docker run of the ${steps} commands`, bound: `≤ ${floorRatio}x`, check, ...(failed?.invalid === undefined ? {} : { invalid: failed.invalid }) }]);
  const markdown = [
    title,
    "",
    `Docker ${engine.stdout.trim()}, job image \`${image}\`; median of ${options.runs} interleaved rounds; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (compare ratios).`,
    `pipec figures come from \`node dist/cli.mjs run steps.yaml --executor docker --json --no-cache\`; each run's events are checked first (the job ran, no cache hit, all ${steps} steps finished with success), and a run that did not prints as INVALID.`,
    "",
    renderRunTable(rows),
    "",
    renderChecks(checks),
    "",
  ].join("\n");
  return { ok: floorMs !== null && failed === undefined && check !== null, markdown };
}

async function timePipec(node: string, cli: string, dir: string, steps: number): Promise<Timed> {
  try {
    const sample = await measure([node, cli, "run", "steps.yaml", "--executor", "docker", "--json", "--no-cache"], { cwd: dir });
    const verdict = guardSteps(sample.stdout, "steps", steps);
    if (!verdict.valid) return { ok: false, reason: invalidText(verdict.reason), invalid: verdict.reason };
    const job = parseRunEvents(sample.stdout).jobs.get("steps");
    if (job === undefined) return { ok: false, reason: "no job.finished event for the job" };
    return { ok: true, wallMs: sample.wallMs, jobMs: job.durationMs };
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : summarize(String(error));
    return { ok: false, reason: `pipec run failed: ${detail}` };
  }
}

/** The commands one after another; rejects at the first that fails. */
async function timeSequence(commands: readonly (readonly string[])[], dir: string): Promise<number> {
  let total = 0;
  for (const command of commands) {
    const sample: FloorSample = await timeLanes(command, 1, 1, dir);
    total += sample.wallMs;
  }
  return total;
}
