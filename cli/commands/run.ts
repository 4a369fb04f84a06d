/** `pipec run [FILE]`: compile (or load a plan), pick an executor, run the DAG, report, set the exit code. */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { compileFile } from "../../compiler/compile.ts";
import { deploymentKind } from "../../runtime/deploy/run-kind.ts";
import { connectDocker } from "../../runtime/docker/index.ts";
import { createDockerExecutor, createLocalExecutor, type Executor } from "../../runtime/executor/index.ts";
import { PlanSchema, type Plan } from "../../runtime/plan/schema.ts";
import { ChangeBaseError, checkTrigger, listRunIds, type TriggerDecision, type TriggerEvent, MissingSecretsError, readOrRecoverRunState, readRunPlan, runDir, runPipeline, runProcessAlive, RunStoreError, UnmaskableSecretError } from "../../runtime/run/index.ts";
import { ArtifactStoreBusyError, defaultStoreRoot, SnapshotError } from "../../runtime/artifacts/index.ts";
import { DEFAULT_KEEP_RUNS, pruneRuns } from "../../runtime/retention/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { printDiagnostics } from "../print-diagnostics.ts";
import { currentProjectRoot, findPipelineOrSay } from "../project.ts";
import { createJsonReporter } from "../reporters/json.ts";
import { createPlainReporter } from "../reporters/plain.ts";
import { createTtyReporter } from "../reporters/tty.ts";
import type { Reporter } from "../reporters/types.ts";
import { parseOutputLimits, parseVars, readSecrets, RunInputError, type OutputLimitFlags } from "./run-inputs.ts";

export interface RunFlags {
  readonly executor: "auto" | "docker" | "local";
  readonly concurrency?: string;
  readonly failFast?: boolean;
  readonly var: string[];
  readonly secretsFile?: string;
  readonly json?: boolean;
  readonly resume?: string;
  readonly pull: "always" | "missing" | "never";
  readonly typecheck: boolean;
  readonly keepWorkspaces?: boolean;
  readonly cache: boolean;
  readonly explainCache?: boolean;
  readonly maxOutputSize?: string;
  readonly maxRunOutputSize?: string;
  readonly base?: string;
  /** `--event`: what the run stands for, checked against the pipeline's triggers. @default "push" */
  readonly event?: TriggerEvent;
}

export async function runCommand(file: string | undefined, flags: RunFlags, terminal: Terminal, signal: AbortSignal, isTty: boolean): Promise<number> {
  const concurrency = flags.concurrency === undefined ? availableParallelism() : /^\d+$/.test(flags.concurrency) ? Number(flags.concurrency) : Number.NaN;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    terminal.err(`pipec run: --concurrency ${flags.concurrency}: expected a whole number of at least 1 and at most ${Number.MAX_SAFE_INTEGER}, e.g. -j 4\n`);
    return EXIT.invalidInput;
  }
  const loaded = await loadPlan(file, flags, terminal, signal);
  if (signal.aborted) return EXIT.interrupted;
  if (!loaded) return EXIT.invalidInput;
  const projectDir = loaded.projectDir;
  // A resumed run was triggered already; a new one runs only when the pipeline's triggers take the event.
  if (!loaded.resume) {
    const skip = triggerSkip(projectDir, loaded.plan, flags, terminal);
    if (skip !== null) return skip;
  }
  let overrides: Record<string, string>;
  let secrets: Record<string, string>;
  let outputLimits: OutputLimitFlags;
  try {
    outputLimits = parseOutputLimits(flags);
    overrides = parseVars(flags.var, loaded.plan);
    secrets = readSecrets(loaded.plan, flags.secretsFile, process.env);
  } catch (cause) {
    if (!(cause instanceof RunInputError)) throw cause;
    terminal.err(`pipec run: ${cause.message}\n`);
    return EXIT.invalidInput;
  }
  const executor = await pickExecutor(flags, terminal, join(projectDir, ".pipec"));
  if (!executor) return EXIT.invalidInput;

  const explain = { explainCache: flags.explainCache ?? false };
  const reporter: Reporter = flags.json ? createJsonReporter(terminal) : isTty ? createTtyReporter(terminal, explain) : createPlainReporter(terminal, false, explain);
  let result: Awaited<ReturnType<typeof runPipeline>>;
  try {
    result = await runPipeline({
      projectDir,
      plan: loaded.plan,
      executor,
      concurrency,
      failFast: flags.failFast ?? false,
      overrides,
      secrets,
      secretFiles: flags.secretsFile ? [resolve(flags.secretsFile)] : [],
      signal,
      resume: loaded.resume,
      keepWorkspaces: flags.keepWorkspaces ?? false,
      deployments: deploymentKind,
      outputLimits,
      useCache: flags.cache,
      base: flags.base,
      onEvent: (event) => reporter.onEvent(event),
    });
  } catch (cause) {
    // The project folder cannot hold the run, a secret is not set or cannot be masked, the change base names no commit,
    // or a project file cannot be snapshotted (it names itself; the run is removed): nothing ran, and it is the user's to fix.
    if (!(cause instanceof RunStoreError) && !(cause instanceof UnmaskableSecretError) && !(cause instanceof MissingSecretsError) && !(cause instanceof ChangeBaseError) && !(cause instanceof SnapshotError)) throw cause;
    terminal.err(`pipec run: ${cause.message}\n`);
    return EXIT.invalidInput;
  }
  reporter.close();
  await applyDefaultRetention(projectDir, flags.json ?? false, terminal);
  return result.status === "success" ? EXIT.ok : result.status === "cancelled" ? EXIT.interrupted : EXIT.failed;
}

/** The exit code when the pipeline is not run for this event (0, said why) or the event cannot be read (2); null: run it. */
function triggerSkip(projectDir: string, plan: Plan, flags: RunFlags, terminal: Terminal): number | null {
  const event = flags.event ?? "push";
  let decision: TriggerDecision;
  try {
    decision = checkTrigger({ projectDir, plan, event, base: flags.base });
  } catch (cause) {
    if (!(cause instanceof ChangeBaseError)) throw cause;
    terminal.err(`pipec run: ${cause.message}\n`);
    return EXIT.invalidInput;
  }
  if (decision.run) return null;
  if (flags.json) terminal.out(`${JSON.stringify({ type: "run.skipped", time: new Date().toISOString(), pipeline: plan.name, event, reason: decision.reason })}\n`);
  else terminal.err(`pipec: not running ${plan.name}: ${decision.reason}; nothing ran (--event chooses the event)\n`);
  return EXIT.ok;
}

/** Old runs are removed once this many are beyond the policy. */
const RETENTION_BATCH = 10;

type Resume = { runId: string; succeeded: Record<string, "success">; outputs: Record<string, Record<string, string>> };

async function loadPlan(file: string | undefined, flags: RunFlags, terminal: Terminal, signal: AbortSignal): Promise<{ plan: Plan; projectDir: string; resume?: Resume } | null> {
  if (flags.resume) {
    if (file) {
      terminal.err(`pipec run: give a pipeline FILE or --resume RUN, not both (--resume runs the plan recorded in that run, not ${file})\n`);
      return null;
    }
    const projectDir = currentProjectRoot();
    const runId = flags.resume === "last" ? listRunIds(projectDir)[0] : flags.resume;
    if (runId === undefined || !/^[\w.-]+$/.test(runId) || runId === "." || runId === ".." || !existsSync(runDir(projectDir, runId))) {
      terminal.err(`pipec run --resume ${flags.resume}: no such run in .pipec/runs (see pipec runs)\n`);
      return null;
    }
    // A run killed hard or ended on a full disk has no state.json: its events tell what succeeded.
    const state = readOrRecoverRunState(projectDir, runId);
    if (state?.status === "running" && runProcessAlive(runDir(projectDir, runId))) {
      terminal.err(`pipec run --resume ${runId}: that run is still going on; wait for it to end (or stop it), then resume it\n`);
      return null;
    }
    let planData: unknown;
    try {
      planData = readRunPlan(projectDir, runId);
    } catch {
      planData = undefined;
    }
    const plan = PlanSchema.safeParse(planData);
    if (!plan.success || !state) {
      const what = !plan.success ? "plan.json" : "state.json";
      terminal.err(`pipec run --resume ${runId}: the run's ${what} is missing or damaged, so pipec cannot tell what to keep; run the pipeline again instead (pipec run FILE)\n`);
      return null;
    }
    const done = Object.entries(state.jobs).filter(([, job]) => job.status === "success");
    const succeeded = Object.fromEntries(done.map(([id]) => [id, "success" as const]));
    const outputs = Object.fromEntries(done.map(([id, job]) => [id, job.outputs]));
    return { plan: plan.data, projectDir, resume: { runId, succeeded, outputs } };
  }
  const project = findPipelineOrSay("run", file, terminal.err);
  if (!project) return null;
  const result = await compileFile(project.file, { typecheck: flags.typecheck, cacheDir: project.cacheDir, signal });
  // Ctrl-C while the pipeline loaded: nothing to report but the interruption.
  if (signal.aborted) return null;
  printDiagnostics(terminal, result.diagnostics, project.file);
  return result.plan ? { plan: result.plan, projectDir: project.root } : null;
}

/**
 * The default run retention, after each run: the newest DEFAULT_KEEP_RUNS runs of each pipeline are
 * kept; older ones go once RETENTION_BATCH of them have gathered, so the store's gc (which reads every
 * artifact) runs once per batch rather than after every run. A gc held up by another is left for later.
 */
async function applyDefaultRetention(projectDir: string, json: boolean, terminal: Terminal): Promise<void> {
  try {
    const report = await pruneRuns({ projectDir, storeDir: defaultStoreRoot(projectDir), policy: { keep: DEFAULT_KEEP_RUNS }, minRemoved: RETENTION_BATCH });
    if (report.removed.length > 0 && !json) terminal.err(`pipec: removed ${report.removed.length} old run(s): each pipeline keeps its last ${DEFAULT_KEEP_RUNS} (pipec runs gc --help)\n`);
  } catch (cause) {
    if (!(cause instanceof ArtifactStoreBusyError)) throw cause;
  }
}

/** `stateDir`: the project's .pipec, where the local executor remembers what the machine allows. */
async function pickExecutor(flags: RunFlags, terminal: Terminal, stateDir: string): Promise<Executor | null> {
  if (flags.executor === "local") return createLocalExecutor({ stateDir });
  const engine = connectDocker({ pingTimeoutMs: 3000 });
  try {
    await engine.ping();
    return createDockerExecutor(engine, { pullPolicy: flags.pull });
  } catch (cause) {
    if (flags.executor === "docker") {
      terminal.err(`pipec run: ${(cause as Error).message}\n`);
      return null;
    }
    terminal.err(`pipec: no Docker engine (${(cause as Error).message.split(":")[0]}); running jobs as local processes. Use --executor docker to require Docker.\n`);
    return createLocalExecutor({ stateDir });
  }
}
