/**
 * The `pipec` command: parses flags, calls one library function, renders, returns the exit code.
 * Only this folder touches process.argv, process.exit and the console. Commands are imported when
 * used, so `pipec --help` does not load the compiler and `pipec run` does not load ts-morph.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT } from "./exit-codes.ts";
import { processTerminal, type Terminal } from "./output.ts";

const VERSION = "0.1.0";

export async function main(argv: readonly string[], terminal: Terminal = processTerminal()): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("pipec")
    .description("Pipelines as code for TypeScript: build canonical plans, run them as a DAG on this machine.")
    .version(VERSION)
    .showHelpAfterError("(run pipec --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => terminal.out(text), writeErr: (text) => terminal.err(text) });

  program
    .command("build")
    .description("type-check a pipeline and write its canonical plan (stdout, or -o FILE)")
    .argument("<file>", "a ci.pipeline.ts, a YAML pipeline, or a plan")
    .option("-o, --output <file>", "write the plan to this file")
    .addOption(new Option("--format <format>", "plan format (default: from -o's extension, else yaml)").choices(["yaml", "json"]))
    .option("--check", "exit 1 when the plan in -o is stale, instead of writing it")
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string, flags) => {
      const { buildCommand } = await import("./commands/build.ts");
      code = await buildCommand(file, flags, terminal);
    });

  program
    .command("validate")
    .description("check a pipeline and report every problem, without writing a plan")
    .argument("<file>")
    .option("--json", "print diagnostics as JSON")
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string, flags) => {
      const { validateCommand } = await import("./commands/inspect.ts");
      code = await validateCommand(file, flags, terminal);
    });

  program
    .command("graph")
    .description("print the job graph as Mermaid or Graphviz DOT")
    .argument("<file>")
    .addOption(new Option("--format <format>", "graph format").choices(["mermaid", "dot"]).default("mermaid"))
    .option("--no-typecheck", "skip type-checking TypeScript pipelines")
    .action(async (file: string, flags) => {
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
