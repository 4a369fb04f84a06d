/**
 * The compiler benchmark: generated pipelines of several sizes, built by the real CLI
 * (`node dist/cli.mjs build FILE -o OUT --format json`) in a fresh process per run, beside a
 * `node -e 0` baseline and gitlab-ci-local parsing the same DAG. Prints a Markdown report.
 * Every measured build's plan is checked before its time counts (guards/plan-guard.ts): it has the
 * DAG's jobs and edges. A figure whose check failed prints as INVALID and fails the section.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { renderErrorYaml } from "./error-yaml.ts";
import { generateDag, renderGitlabCi, renderTs, renderYaml, type Dag } from "./generate.ts";
import { guardDiagnostics } from "./guards/diagnostics-guard.ts";
import { guardPlan } from "./guards/plan-guard.ts";
import { invalidText } from "./guards/verdict.ts";
import { CommandFailedError, ensureGnuTime, measure, measureMedian, median, summarize, type Sample } from "./measure.ts";
import { timeGitlabCiLocalList } from "./peer-gitlab-ci-local.ts";
import { renderChecks, renderTable, scalingChecks, type Check, type Row } from "./report.ts";

export interface BenchOptions {
  /** The repository root, holding `dist/cli.mjs`. */
  readonly root: string;
  /** @default [100, 1000, 5000] */
  readonly sizes: readonly number[];
  /** Sizes at which gitlab-ci-local is timed. @default [1000] */
  readonly peerSizes: readonly number[];
  /** @default 3 */
  readonly runs: number;
  /** @default 1 */
  readonly seed: number;
  /** Where the peer is installed and cached. @default <root>/.pipec/bench-peers */
  readonly peersDir: string;
  /** Writes progress (stderr in the entry point). */
  readonly log: (line: string) => void;
}

/**
 * TS pipelines list their jobs in `AnyJob[]` chunks of this size (see RenderTsOptions.chunk), as they
 * did when one literal list failed to type-check; the "one literal" row times the plain form.
 */
const TS_CHUNK = 500;

/** The issue's targets, at 1,000 jobs. */
export const TARGETS = { yamlMs: 300, tsWarmMs: 600, at: 1000 } as const;

/** Issue 16's diagnostics row: a 700 KB YAML file with 10,000 errors is diagnosed in at most 2 s. */
export const DIAGNOSTICS = { errors: 10_000, bytes: 700 * 1024, targetMs: 2000 } as const;

export interface BenchReport {
  readonly markdown: string;
  /** Whether every case ran and every figure's guard passed (targets missed do not count as failures). */
  readonly ok: boolean;
}

export async function runCompilerBench(options: BenchOptions): Promise<BenchReport> {
  const cli = join(options.root, "dist", "cli.mjs");
  if (!existsSync(cli)) return { ok: false, markdown: `${cli} is missing: run \`node scripts/build.mjs\` first (npm run bench does).` };
  const node = process.execPath;
  const { runs, log } = options;
  ensureGnuTime();
  const rows: Row[] = [];
  const byCase = new Map<string, Row[]>();
  /** Rows whose failure is a finding to show, not a broken benchmark. */
  const mayFail = new Set(["peer"]);
  let failed = false;
  const record = (key: string, row: Row): void => {
    rows.push(row);
    failed ||= (row.wallMs === null && !mayFail.has(key)) || row.invalid !== undefined;
    byCase.set(key, [...(byCase.get(key) ?? []), row]);
    log(`  ${row.label} n=${row.jobs ?? "-"}: ${row.wallMs === null ? row.note : `${row.wallMs.toFixed(0)} ms`}`);
  };

  log("baseline: node -e 0");
  await measure([node, "-e", "0"], { cwd: options.root });
  const baseline = await measureMedian([node, "-e", "0"], { cwd: options.root, runs });
  record("baseline", { label: "node startup (`node -e 0`)", jobs: null, edges: null, ...sampleFields(baseline) });

  for (const n of options.sizes) {
    const dag = generateDag(n, options.seed);
    const dir = await mkdtemp(join(tmpdir(), `pipec-bench-${n}-`));
    try {
      log(`n=${n}: ${dag.edges} edges in ${dir}`);
      await writeFile(join(dir, "bench.pipeline.yaml"), renderYaml(dag));
      await writeFile(join(dir, "bench.pipeline.ts"), renderTs(dag, { chunk: TS_CHUNK }));
      await writeFile(join(dir, "literal.pipeline.ts"), renderTs(dag));
      const build = (file: string, ...flags: string[]) => [node, cli, "build", file, "-o", "plan.json", "--format", "json", ...flags];
      const target = (ms: number) => (n === TARGETS.at ? { targetMs: ms } : {});
      const clearCache = () => rm(join(dir, ".pipec", "cache"), { recursive: true, force: true });
      const cases: { key: string; label: string; command: string[]; warm: boolean; before?: () => Promise<void>; targetMs?: number }[] = [
        { key: "yaml", label: "YAML build", command: build("bench.pipeline.yaml"), warm: true, ...target(TARGETS.yamlMs) },
        { key: "ts-warm", label: "TS build, type-check cache warm", command: build("bench.pipeline.ts"), warm: true, ...target(TARGETS.tsWarmMs) },
        { key: "ts-cold", label: "TS build, cold type-check", command: build("bench.pipeline.ts"), warm: false, before: clearCache },
        { key: "ts-none", label: "TS build, --no-typecheck", command: build("bench.pipeline.ts", "--no-typecheck"), warm: true },
      ];
      if (n === Math.max(...options.sizes)) {
        const literal = "TS build, cold type-check, one `jobs: [...]` literal";
        cases.push({ key: "ts-literal", label: literal, command: build("literal.pipeline.ts"), warm: false, before: clearCache });
      }
      for (const spec of cases) {
        const row = await runCase(spec.command, dir, dag, runs, spec.warm, spec.before);
        record(spec.key, { label: spec.label, jobs: n, edges: dag.edges, ...row, ...(spec.targetMs === undefined ? {} : { targetMs: spec.targetMs }) });
      }
      if (options.peerSizes.includes(n)) {
        log(`n=${n}: gitlab-ci-local --list`);
        const peer = await timeGitlabCiLocalList(options.peersDir, renderGitlabCi(dag), n, runs);
        const fields = peer.ok
          ? sampleFields(peer.sample)
          : { wallMs: null, peakRssMb: null, ...(peer.invalid === undefined ? { note: `peer unavailable: ${peer.reason}` } : { note: invalidText(peer.invalid), invalid: peer.invalid }) };
        record("peer", { label: "gitlab-ci-local 4.75.1 `--list` (Node 22)", jobs: n, edges: dag.edges, ...fields });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  {
    log(`diagnostics: ${DIAGNOSTICS.errors} errors in ${DIAGNOSTICS.bytes / 1024} KB, and half of that`);
    const dir = await mkdtemp(join(tmpdir(), "pipec-bench-errors-"));
    try {
      for (const scale of [0.5, 1]) {
        const errors = DIAGNOSTICS.errors * scale;
        const bytes = DIAGNOSTICS.bytes * scale;
        const file = `errors-${errors}.yaml`;
        const text = renderErrorYaml(errors, bytes);
        await writeFile(join(dir, file), text);
        const kb = (text.length / 1024).toFixed(0);
        // validate exits 2 on errors: the shell turns exactly that into success, anything else fails the row.
        const validate = ["sh", "-c", '"$0" "$1" validate "$2" --json > diagnostics.json; test $? -eq 2', node, cli, file];
        // The floor (full size only): the same file read by the yaml package alone (no checks, no messages), in a
        // fresh process too, taking turns with pipec's runs so that a change of load moves both sides alike.
        const parse = [node, "-e", "require(process.argv[1]).parseDocument(require('fs').readFileSync(process.argv[2], 'utf8'))", join(options.root, "node_modules", "yaml"), file];
        const { row, floor } = await runDiagnosticsCase(validate, dir, { errors, file }, runs, scale === 1 ? parse : undefined);
        record(`diagnostics-${scale}`, { label: `YAML diagnostics, ${errors} errors in ${kb} KB (\`validate --json\`)`, jobs: null, edges: null, ...row, ...(scale === 1 ? { targetMs: DIAGNOSTICS.targetMs } : {}) });
        if (floor) record("diagnostics-floor", { label: `floor: \`yaml\` parseDocument of the same ${kb} KB (runs taking turns with the row above)`, jobs: null, edges: null, ...sampleFields(floor) });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  const checks: Check[] = [
    ...rows.flatMap((row) => (row.invalid === undefined ? [] : [{ what: `${row.label}, ${row.jobs} jobs`, value: "", target: "", pass: null, invalid: row.invalid }])),
    ...scalingChecks("YAML build", byCase.get("yaml") ?? []),
    ...scalingChecks("TS build (warm)", byCase.get("ts-warm") ?? []),
  ];
  checks.push(...diagnosticsChecks(byCase));
  const at = (key: string) => byCase.get(key)?.find((row) => row.jobs === TARGETS.at && row.wallMs !== null);
  const [yaml, peer] = [at("yaml"), at("peer")];
  checks.push({
    what: `pipec YAML build / gitlab-ci-local --list, ${TARGETS.at} jobs`,
    value: yaml && peer ? `${yaml.wallMs!.toFixed(0)} / ${peer.wallMs!.toFixed(0)} ms = ${(yaml.wallMs! / peer.wallMs!).toFixed(2)}x` : "n/a (a side did not run)",
    target: "",
    pass: null,
  });
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const markdown = [
    `## pipec compiler benchmark`,
    "",
    `Node ${process.version}, ${cpus().length} × ${cpu}, seed ${options.seed}; each figure is a fresh process (\`node dist/cli.mjs build FILE -o plan.json --format json\`), median of ${runs}.`,
    "Cold type-check rows clear `.pipec/cache` before every run; warm rows run once first to fill it.",
    `TS pipelines list their jobs in \`AnyJob[]\` chunks of ${TS_CHUNK}; the "one literal" row is the plain \`jobs: [j0, j1, ...]\` form at the largest size.`,
    "",
    renderTable(rows, runs),
    "",
    "### Checks",
    "",
    renderChecks(checks),
    "",
  ].join("\n");
  return { ok: !failed, markdown };
}

/** Linear in size: doubling the file (and its errors) at most about doubles the time; and the ratio to the floor. */
function diagnosticsChecks(byCase: ReadonlyMap<string, Row[]>): Check[] {
  const wall = (key: string): number | null => byCase.get(key)?.[0]?.wallMs ?? null;
  const [half, full, floor] = [wall("diagnostics-0.5"), wall("diagnostics-1"), wall("diagnostics-floor")];
  const bound = 2.5;
  return [
    {
      what: `YAML diagnostics: ${DIAGNOSTICS.errors} errors vs half of them in half the size`,
      value: half && full ? `${(full / half).toFixed(2)}x` : "n/a (a side did not run)",
      target: `≤ ${bound}x (linear)`,
      pass: half && full ? full / half <= bound : null,
    },
    {
      what: "YAML diagnostics / yaml parseDocument floor, same file",
      value: full && floor ? `${full.toFixed(0)} / ${floor.toFixed(0)} ms = ${(full / floor).toFixed(2)}x` : "n/a (a side did not run)",
      target: "",
      pass: null,
    },
  ];
}

/**
 * The diagnostics case: a warm-up, then the median of `runs`, each run's JSON checked by guardDiagnostics. With a
 * `floor` command, each run of the case is followed by one of the floor, so that both medians see the same load.
 */
async function runDiagnosticsCase(
  command: string[],
  dir: string,
  expected: { errors: number; file: string },
  runs: number,
  floorCommand?: readonly string[],
): Promise<{ row: Pick<Row, "wallMs" | "peakRssMb" | "note" | "invalid">; floor: Sample | null }> {
  try {
    await measure(command, { cwd: dir });
    if (floorCommand) await measure(floorCommand, { cwd: dir });
    const samples: Sample[] = [];
    const floors: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      await rm(join(dir, "diagnostics.json"), { force: true });
      samples.push(await measure(command, { cwd: dir }));
      const verdict = guardDiagnostics(JSON.parse(await readFile(join(dir, "diagnostics.json"), "utf8")), expected);
      if (!verdict.valid) {
        const invalid = runs === 1 ? verdict.reason : `run ${i + 1} of ${runs}: ${verdict.reason}`;
        return { row: { wallMs: null, peakRssMb: null, note: invalidText(invalid), invalid }, floor: null };
      }
      if (floorCommand) floors.push(await measure(floorCommand, { cwd: dir }));
    }
    return { row: sampleFields(median(samples)), floor: floors.length > 0 ? median(floors) : null };
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : summarize(String(error));
    return { row: { wallMs: null, peakRssMb: null, note: `error: ${detail}` }, floor: null };
  }
}

function sampleFields(sample: Sample): Pick<Row, "wallMs" | "peakRssMb"> {
  return { wallMs: sample.wallMs, peakRssMb: sample.peakRssMb };
}

/** One case: an optional warm-up, then the median of `runs`, each run's plan checked by guardPlan (a fresh plan.json each time). */
async function runCase(command: string[], dir: string, dag: Dag, runs: number, warm: boolean, before?: () => Promise<void>): Promise<Pick<Row, "wallMs" | "peakRssMb" | "note" | "invalid">> {
  const plan = join(dir, "plan.json");
  try {
    if (warm) await measure(command, { cwd: dir });
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      await before?.();
      await rm(plan, { force: true });
      samples.push(await measure(command, { cwd: dir }));
      const verdict = guardPlan(JSON.parse(await readFile(plan, "utf8")), { jobs: dag.jobs.length, edges: dag.edges });
      if (!verdict.valid) {
        const invalid = runs === 1 ? verdict.reason : `run ${i + 1} of ${runs}: ${verdict.reason}`;
        return { wallMs: null, peakRssMb: null, note: invalidText(invalid), invalid };
      }
    }
    return sampleFields(median(samples));
  } catch (error) {
    const detail = error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : summarize(String(error));
    return { wallMs: null, peakRssMb: null, note: `error: ${detail}` };
  }
}
