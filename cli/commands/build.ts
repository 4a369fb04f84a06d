/** `pipec build FILE [-o OUT] [--format yaml|json] [--check] [--no-typecheck]` */
import { readFile, rename, writeFile } from "node:fs/promises";
import { compileFile, emitPlan, type PlanFormat } from "../../compiler/index.ts";
import { EXIT } from "../exit-codes.ts";
import { printDiagnostics, type Terminal } from "../output.ts";

export interface BuildFlags {
  readonly output?: string;
  readonly format?: PlanFormat;
  readonly check?: boolean;
  readonly typecheck: boolean;
}

export async function buildCommand(file: string, flags: BuildFlags, terminal: Terminal): Promise<number> {
  if (flags.check && !flags.output) {
    terminal.err("pipec build --check needs -o FILE: the committed plan to compare with\n");
    return EXIT.invalidInput;
  }
  const result = await compileFile(file, { typecheck: flags.typecheck });
  printDiagnostics(terminal, result.diagnostics, file);
  if (!result.plan) return EXIT.invalidInput;
  const format = flags.format ?? (flags.output?.endsWith(".json") ? "json" : "yaml");
  const text = emitPlan(result.plan, format);
  if (flags.check) {
    const committed = await readFile(flags.output!, "utf8").catch(() => null);
    if (committed === text) {
      terminal.err(`${flags.output} is up to date (${result.plan.digest})\n`);
      return EXIT.ok;
    }
    terminal.err(`${flags.output} is ${committed === null ? "missing" : "stale"}: run pipec build ${file} -o ${flags.output}${flags.format ? ` --format ${flags.format}` : ""}\n`);
    return EXIT.failed;
  }
  if (!flags.output) {
    terminal.out(text);
    return EXIT.ok;
  }
  const temp = `${flags.output}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, flags.output);
  const jobs = Object.keys(result.plan.jobs).length;
  terminal.err(`wrote ${flags.output}: ${jobs} job${jobs === 1 ? "" : "s"}, ${result.plan.digest}\n`);
  return EXIT.ok;
}
