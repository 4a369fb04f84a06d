/**
 * The `pipec` command: parses flags, calls one library function, renders, returns the exit code.
 * Only this folder touches process.argv, process.exit and the console. Commands are imported when
 * used, so `pipec --help` does not load the compiler and `pipec run` does not load ts-morph.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT } from "./exit-codes.ts";
import { processTerminal, type Terminal } from "./output.ts";
import { VERSION } from "./version.ts";

export interface MainContext {
  readonly terminal: Terminal;
  /** Aborted on the first SIGINT or SIGTERM: a run stops its jobs gracefully. */
  readonly signal: AbortSignal;
  readonly isTty: boolean;
}

export async function main(argv: readonly string[], context: MainContext = { terminal: processTerminal(), signal: new AbortController().signal, isTty: false }): Promise<number> {
  const { terminal } = context;
  let code: number = EXIT.ok;
  const program = new Command("pipec")
    .description("Pipelines as code for TypeScript: build canonical plans, run them as a DAG on this machine.")
    .version(VERSION)
    .showHelpAfterError("(run pipec --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => terminal.out(text), writeErr: (text) => terminal.err(text) });

  program
    .command("init")
    .description("write a starter ci.pipeline.ts at the project root (and a tsconfig.json, and .pipec/ in .gitignore); never overwrites")
    .action(async () => {
      const { initCommand } = await import("./commands/init.ts");
      code = initCommand(terminal);
    });

  program
    .command("build")
    .description("type-check a pipeline and write its canonical plan, a GitHub Actions or GitLab CI file, or Argo Workflows + Rollouts documents (stdout, or -o FILE / -o DIR for argo)")
    .argument("[file]", "a ci.pipeline.ts, a YAML pipeline, or a plan (default: ci.pipeline.ts, then pipeline.yaml, at the project root)")
    .option("-o, --output <file>", "write the plan (or the --target file) to this file; with --target argo, a folder")
    .addOption(new Option("--format <format>", "plan format (default: from -o's extension, else yaml)").choices(["yaml", "json"]))
    .option("--check", "exit 1 when the file in -o is stale, instead of writing it")
    .addOption(new Option("--target <target>", "what to write: the plan, a GitHub Actions workflow, a .gitlab-ci.yml, or Argo Workflow + Rollouts documents").choices(["plan", "github", "gitlab", "argo"]).default("plan"))
    .option("--strict", "with --target: refuse approximations (warnings become errors)")
    .option("--runs-on <label>", "with --target github: the runner label (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option("--tag <tag>", "with --target gitlab: a runner tag for every job (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option("--profile <file>", "with --target: engine-only settings from a pipec.targets.ts (flags win)")
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string | undefined, flags) => {
      const { buildCommand } = await import("./commands/build.ts");
      code = await buildCommand(file, flags, terminal);
    });

  program
    .command("import")
    .description("turn a .gitlab-ci.yml or a GitHub Actions workflow into a typed ci.pipeline.ts (stdout, or -o FILE); what does not carry over is a TODO")
    .argument("<file>", "the GitLab CI file or GitHub workflow")
    .addOption(new Option("--from <kind>", "what the file is (default: detected)").choices(["gitlab", "github"]))
    .option("-o, --output <file>", "write the pipeline to this file")
    .addOption(new Option("--format <format>", "TypeScript or pipec's YAML dialect (default: from -o's extension, else ts)").choices(["ts", "yaml"]))
    .option("--image <image>", "the image of jobs that name none (default: ubuntu:24.04)")
    .action(async (file: string, flags) => {
      const { importCommand } = await import("./commands/import.ts");
      code = await importCommand(file, flags, terminal);
    });

  program
    .command("targets")
    .description("print how each plan field reaches each target (exact, lowered, approximated, refused)")
    .addOption(new Option("--target <target>", "only this target").choices(["github", "gitlab", "argo"]))
    .option("--json", "print as JSON")
    .option("--markdown", "print as a Markdown table (as in the README)")
    .action(async (flags) => {
      const { targetsCommand } = await import("./commands/targets.ts");
      code = targetsCommand(flags, terminal);
    });

  program
    .command("validate")
    .description("check a pipeline and report every problem, without writing a plan")
    .argument("[file]", "the pipeline (default: ci.pipeline.ts, then pipeline.yaml, at the project root)")
    .option("--json", "print diagnostics as JSON")
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string | undefined, flags) => {
      const { validateCommand } = await import("./commands/inspect.ts");
      code = await validateCommand(file, flags, terminal);
    });

  program
    .command("graph")
    .description("print the job graph as Mermaid or Graphviz DOT")
    .argument("[file]", "the pipeline (default: ci.pipeline.ts, then pipeline.yaml, at the project root)")
    .addOption(new Option("--format <format>", "graph format").choices(["mermaid", "dot"]).default("mermaid"))
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string | undefined, flags) => {
      const { graphCommand } = await import("./commands/inspect.ts");
      code = await graphCommand(file, flags, terminal);
    });

  program
    .command("schema")
    .description("print the JSON Schema of YAML pipelines (for editors) or of plans")
    .addOption(new Option("--kind <kind>", "which schema").choices(["pipeline", "plan"]).default("pipeline"))
    .action(async (flags) => {
      const { schemaCommand } = await import("./commands/inspect.ts");
      code = schemaCommand(flags, terminal);
    });

  program
    .command("run")
    .description("run a pipeline (or a plan) as a DAG on this machine, in Docker containers or as local processes")
    .argument("[file]", "a ci.pipeline.ts, a YAML pipeline, or a plan (default: ci.pipeline.ts, then pipeline.yaml, at the project root)")
    .addOption(new Option("--executor <kind>", "where jobs run").choices(["auto", "docker", "local"]).default("auto"))
    .option("-j, --concurrency <n>", "most jobs at once (default: the number of CPUs)")
    .option("--fail-fast", "cancel the rest at the first failure")
    .option("--var <NAME=value>", "set a declared pipeline variable (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option("--secrets-file <file>", "NAME=value lines with secret values (else taken from the environment)")
    .option("--json", "print one JSON event per line")
    .option("--resume <run>", "run again what failed, was skipped or cancelled in an earlier run (RUN may be 'last'), keeping what succeeded")
    .addOption(new Option("--pull <policy>", "when to pull images").choices(["always", "missing", "never"]).default("missing"))
    .option("--keep-workspaces", "keep each job's workspace under .pipec/runs/<id>/work")
    .option("--max-output-size <size>", "the most one job output may hold (default 5g)")
    .option("--max-run-output-size <size>", "the most all outputs stored by the run may hold together (default 20g)")
    .option("--no-cache", "run every job, even when an earlier run has its result")
    .option("--explain-cache", "say per job whether the cache hit, and on a miss which part of the key changed")
    .option("--base <ref>", "what changed(...) conditions compare with (default: the merge base with the default branch, else the last successful run's commit)")
    .addOption(new Option("--event <event>", "the event this run stands for: a pipeline whose on: triggers do not take it is not run (exit 0); push is a push to the current branch, pull_request one into the default branch").choices(["push", "pull_request", "tag", "schedule"]).default("push"))
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string | undefined, flags) => {
      const { runCommand } = await import("./commands/run.ts");
      code = await runCommand(file, flags, terminal, context.signal, context.isTty);
    });

  const runs = program
    .command("runs")
    .description("list earlier runs, newest first; remove, prune and pin them (pipec runs --help)")
    .option("--json", "print as JSON")
    .action(async (flags) => {
      const { runsCommand } = await import("./commands/runs.ts");
      code = runsCommand(flags, terminal);
    });
  runs
    .command("rm")
    .description("remove runs (RUN may be 'last') with their logs, snapshots and artifacts; never a live or pinned run, or one a deployment or a kept run's cached logs need")
    .argument("<run...>")
    .option("--dry-run", "say what would be removed, remove nothing")
    .option("--json", "print as JSON")
    .action(async (ids: string[], flags) => {
      const { runsRmCommand } = await import("./commands/runs-retention.ts");
      code = await runsRmCommand(ids, flags, terminal);
    });
  runs
    .command("gc")
    .description("remove old runs: beyond the last --keep of each pipeline (default 50) or older than --max-age, with the artifacts and objects only they used")
    .option("--keep <n>", "keep the newest N runs of each pipeline")
    .option("--max-age <duration>", "remove runs that started longer ago (30d, 12h)")
    .option("--dry-run", "say what would be removed, remove nothing")
    .option("--json", "print as JSON")
    .action(async (flags) => {
      const { runsGcCommand } = await import("./commands/runs-retention.ts");
      code = await runsGcCommand(flags, terminal);
    });
  runs
    .command("pin")
    .description("keep a run (RUN may be 'last') whatever the retention policy; --off to let it go again")
    .argument("<run>")
    .option("--off", "unpin")
    .action(async (id: string, flags) => {
      const { runsPinCommand } = await import("./commands/runs-retention.ts");
      code = runsPinCommand(id, flags, terminal);
    });

  program
    .command("logs")
    .description("print the logs of a run (RUN may be 'last'), or of one of its jobs")
    .argument("<run>")
    .argument("[job]")
    .action(async (run: string, job: string | undefined) => {
      const { logsCommand } = await import("./commands/runs.ts");
      code = await logsCommand(run, job, terminal);
    });

  program
    .command("artifacts")
    .description("list, fetch, verify and collect garbage in the artifact store (pipec artifacts --help)")
    .argument("[args...]", "ls | get | verify | gc | pin, with their flags")
    .helpOption(false)
    .allowUnknownOption()
    .action(async (args: string[]) => {
      const { artifactsCommand } = await import("./commands/artifacts.ts");
      code = await artifactsCommand(args, terminal);
    });

  program
    .command("approve")
    .description("approve a deployment's approval gate in a running pipeline (RUN may be 'last')")
    .argument("<run>")
    .argument("<gate>")
    .option("--job <job>", "the deploy job, when several wait at that gate")
    .action(async (run: string, gate: string, flags) => {
      const { controlCommand } = await import("./commands/deploy.ts");
      code = await controlCommand("approve", run, gate, flags, terminal);
    });

  program
    .command("promote")
    .description("promote a paused deployment of a running pipeline: release its current pause, approval or analysis")
    .argument("<run>")
    .option("--full", "skip every remaining pause, approval and analysis")
    .option("--job <job>", "the deploy job, when several are in progress")
    .action(async (run: string, flags) => {
      const { controlCommand } = await import("./commands/deploy.ts");
      code = await controlCommand("promote", run, undefined, flags, terminal);
    });

  program
    .command("abort")
    .description("abort a deployment of a running pipeline: traffic goes back to the stable version")
    .argument("<run>")
    .option("--job <job>", "the deploy job, when several are in progress")
    .option("--reason <text>", "recorded as the reason")
    .action(async (run: string, flags) => {
      const { controlCommand } = await import("./commands/deploy.ts");
      code = await controlCommand("abort", run, undefined, flags, terminal);
    });

  program
    .command("report")
    .description("write one self-contained HTML page of a run (RUN may be 'last', the default): job graph, timeline with the critical path, tests, gates, artifacts, deployments and DORA figures")
    .argument("[run]", "the run id (pipec runs lists them), or 'last'")
    .option("-o, --output <file>", "where to write the page ('-' for stdout)", "report.html")
    .option("--since <duration>", "the window of the DORA figures (30d, 12h, 90m)", "30d")
    .action(async (run: string | undefined, flags) => {
      const { reportCommand } = await import("./commands/report.ts");
      code = reportCommand(run, flags, terminal);
    });

  const metrics = program.command("metrics").description("delivery metrics from the deployment histories (pipec metrics --help)");
  metrics
    .command("dora")
    .description("deployment frequency, lead time for changes, change failure rate and time to restore, per deployment, with their DORA bands")
    .option("--since <duration>", "how far back to look (30d, 12h, 90m)", "30d")
    .option("--deployment <name>", "only this deployment")
    .option("--json", "print as JSON")
    .action(async (flags) => {
      const { doraCommand } = await import("./commands/metrics.ts");
      code = doraCommand(flags, terminal);
    });

  const deploy = program.command("deploy").description("inspect deployments and go back to an earlier revision (pipec deploy --help)");
  deploy
    .command("status")
    .description("revision, phase, weights and instances of each deployment (or of NAME)")
    .argument("[name]")
    .option("--json", "print as JSON")
    .option("--watch", "read again every --interval and print what changed (a terminal is redrawn in place; --json: one line each) until Ctrl-C")
    .option("--interval <ms>", "with --watch: milliseconds between reads, at least 100 (default: 1000)", (value: string) => {
      // At most 2^31-1: a larger timer fires at once in Node, which would turn the watch into a busy loop.
      if (!/^\d+$/.test(value) || Number(value) < 100 || Number(value) > 2_147_483_647) throw new InvalidArgumentError("--interval takes a whole number of milliseconds, at least 100 and at most 2147483647 (e.g. --interval 500).");
      return Number(value);
    })
    .action(async (name: string | undefined, flags: { json?: boolean; watch?: boolean; interval?: number }) => {
      const { deployStatusCommand, deployStatusWatchCommand } = await import("./commands/deploy.ts");
      code = flags.watch ? await deployStatusWatchCommand(name, flags, terminal, context.signal, context.isTty) : await deployStatusCommand(name, flags, terminal);
    });
  deploy
    .command("stop")
    .description("take a deployment down from any terminal: the process serving it stops its instances and router (nothing is left)")
    .argument("<name>")
    .action(async (name: string) => {
      const { deployStopCommand } = await import("./commands/deploy.ts");
      code = await deployStopCommand(name, terminal);
    });
  deploy
    .command("logs")
    .description("the deployment's own log: every rollout, verdict and stop, across runs")
    .argument("<name>")
    .action(async (name: string) => {
      const { deployLogsCommand } = await import("./commands/deploy.ts");
      code = deployLogsCommand(name, terminal);
    });
  deploy
    .command("undo")
    .description("send the traffic back to the previous healthy revision, at once (no steps, no analysis), in the deployment's supervisor")
    .argument("<name>")
    .action(async (name: string) => {
      const { deployUndoCommand } = await import("./commands/deploy.ts");
      code = await deployUndoCommand(name, terminal);
    });

  deploy
    .command("up")
    .description("serve the last healthy revision again (after a reboot, kill -9 or deploy stop), in its background supervisor")
    .argument("<name>")
    .action(async (name: string) => {
      const { deployUpCommand } = await import("./commands/deploy.ts");
      code = await deployUpCommand(name, terminal);
    });
  // The background process that serves a kept deployment after the run (started by pipec itself).
  deploy
    .command("serve", { hidden: true })
    .argument("<name>")
    .action(async (name: string) => {
      const { deployServeCommand } = await import("./commands/deploy.ts");
      code = await deployServeCommand(name, terminal, context.signal);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (cause) {
    if (cause instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; everything else is a usage error.
      return cause.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    }
    if (cause instanceof InvalidArgumentError) return EXIT.invalidInput;
    throw cause;
  }
}
