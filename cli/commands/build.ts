/** `pipec build FILE [-o OUT] [--format yaml|json] [--check] [--no-typecheck]` */
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { compileFile, emitPlan, type PlanFormat } from "../../compiler/index.ts";
import { EXIT } from "../exit-codes.ts";
import { printDiagnostics, type Terminal } from "../output.ts";
import { findPipelineOrSay } from "../project.ts";

export interface BuildFlags {
  readonly output?: string;
  readonly format?: PlanFormat;
  readonly check?: boolean;
  readonly typecheck: boolean;
}

export async function buildCommand(given: string | undefined, flags: BuildFlags, terminal: Terminal): Promise<number> {
  if (flags.check && !flags.output) {
    terminal.err("pipec build --check needs -o FILE: the committed plan to compare with\n");
    return EXIT.invalidInput;
  }
  const project = findPipelineOrSay("build", given, terminal.err);
  if (!project) return EXIT.invalidInput;
  const { file } = project;
  const result = await compileFile(file, { typecheck: flags.typecheck, cacheDir: project.cacheDir });
  printDiagnostics(terminal, result.diagnostics, file);
  if (!result.plan) return EXIT.invalidInput;
  const format = flags.format ?? (flags.output?.endsWith(".json") ? "json" : "yaml");
  const text = emitPlan(result.plan, format);
  if (flags.check) {
    let committed: string | null;
    try {
      committed = await readFile(flags.output!, "utf8");
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "ENOENT") {
        terminal.err(`pipec build --check: cannot read ${flags.output}: ${fsProblem(cause)}; -o names the committed plan file\n`);
        return EXIT.invalidInput;
      }
      committed = null;
    }
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
  try {
    await writeFile(temp, text);
    await rename(temp, flags.output);
  } catch (cause) {
    // A path the user gave that cannot take the plan (no such folder, a directory, no permission).
    await unlink(temp).catch(() => {});
    terminal.err(`pipec build: cannot write ${flags.output}: ${fsProblem(cause)}; choose another -o path, or create its folder first\n`);
    return EXIT.invalidInput;
  }
  const jobs = Object.keys(result.plan.jobs).length;
  terminal.err(`wrote ${flags.output}: ${jobs} job${jobs === 1 ? "" : "s"}, ${result.plan.digest}\n`);
  return EXIT.ok;
}

function fsProblem(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "its folder does not exist";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is a file, not a folder";
  return (cause as Error).message;
}
