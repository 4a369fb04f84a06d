/** `pipec build FILE [-o OUT] [--format yaml|json] [--target plan|github|gitlab|argo] [--strict] [--check] [--no-typecheck]` */
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compileFile, emitPlan, type PlanFormat } from "../../compiler/index.ts";
import { emitTarget, loadTargetProfile, readHeader, TARGETS, TargetProfileSchema, type EmittedFile, type TargetName, type TargetProfileInput } from "../../compiler/targets/index.ts";
import type { Plan } from "../../runtime/plan/schema.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { printDiagnostics } from "../print-diagnostics.ts";
import { findPipelineOrSay } from "../project.ts";
import { VERSION } from "../version.ts";

export interface BuildFlags {
  readonly output?: string;
  readonly format?: PlanFormat;
  readonly check?: boolean;
  readonly typecheck: boolean;
  /** @default "plan" */
  readonly target?: "plan" | TargetName;
  readonly strict?: boolean;
  readonly runsOn?: readonly string[];
  readonly tag?: readonly string[];
  /** A `pipec.targets.ts` with engine-only settings; flags win over it. */
  readonly profile?: string;
}

export async function buildCommand(given: string | undefined, flags: BuildFlags, terminal: Terminal): Promise<number> {
  if (flags.check && !flags.output) {
    terminal.err("pipec build --check needs -o FILE: the committed plan to compare with\n");
    return EXIT.invalidInput;
  }
  const target = flags.target ?? "plan";
  if (target !== "plan" && flags.format) {
    terminal.err(`pipec build: --format is for plans; --target ${target} writes YAML\n`);
    return EXIT.invalidInput;
  }
  const project = findPipelineOrSay("build", given, terminal.err);
  if (!project) return EXIT.invalidInput;
  const { file } = project;
  const result = await compileFile(file, { typecheck: flags.typecheck, cacheDir: project.cacheDir });
  printDiagnostics(terminal, result.diagnostics, file);
  if (!result.plan) return EXIT.invalidInput;
  if (target !== "plan") return buildTarget(file, result.plan, target, flags, terminal);
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
  if (!(await writeAtomically(flags.output, text, terminal))) return EXIT.invalidInput;
  const jobs = Object.keys(result.plan.jobs).length;
  terminal.err(`wrote ${flags.output}: ${jobs} job${jobs === 1 ? "" : "s"}, ${result.plan.digest}\n`);
  return EXIT.ok;
}

/** Writes through a temp file and a rename, so a failed write leaves no partial file. */
async function writeAtomically(path: string, text: string, terminal: Terminal): Promise<boolean> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
    return true;
  } catch (cause) {
    // A path the user gave that cannot take the file (no such folder, a directory, no permission).
    await unlink(temp).catch(() => {});
    terminal.err(`pipec build: cannot write ${path}: ${fsProblem(cause)}; choose another -o path, or create its folder first\n`);
    return false;
  }
}

/** `--target github|gitlab|argo`: the engine file(s), to stdout or -o; errors (or approximations under --strict) write nothing. */
async function buildTarget(file: string, plan: Plan, target: TargetName, flags: BuildFlags, terminal: Terminal): Promise<number> {
  let base: TargetProfileInput = {};
  if (flags.profile) {
    const loaded = await loadTargetProfile(flags.profile, { typecheck: flags.typecheck });
    printDiagnostics(terminal, loaded.diagnostics, flags.profile);
    if (!loaded.profile) {
      terminal.err(`pipec build: nothing written: the profile ${flags.profile} has problems (above)\n`);
      return EXIT.invalidInput;
    }
    base = loaded.profile;
  }
  const profile = TargetProfileSchema.parse({
    github: { ...base.github, ...(flags.runsOn && flags.runsOn.length > 0 ? { runsOn: flags.runsOn } : {}) },
    gitlab: { ...base.gitlab, ...(flags.tag && flags.tag.length > 0 ? { tags: flags.tag } : {}) },
    argo: { ...base.argo },
  });
  const emitted = emitTarget(plan, target, { profile, pipecVersion: VERSION, strict: flags.strict ?? false });
  printDiagnostics(terminal, emitted.diagnostics, file);
  const generated = emitted.files[0];
  if (generated === undefined) {
    terminal.err(`pipec build: nothing written: the plan uses features ${target} cannot carry (above)\n`);
    return EXIT.invalidInput;
  }
  if (TARGETS[target].writes === "directory") return buildDirectory(file, plan, target, emitted.files, flags, terminal);
  const command = `pipec build ${file} --target ${target}${flags.strict ? " --strict" : ""} -o ${flags.output ?? generated.path}`;
  if (flags.check) return checkGenerated(flags.output!, generated.content, plan, command, terminal);
  if (!flags.output) {
    terminal.out(generated.content);
    return EXIT.ok;
  }
  if (!(await writeAtomically(flags.output, generated.content, terminal))) return EXIT.invalidInput;
  terminal.err(`wrote ${flags.output}: ${target} file for ${Object.keys(plan.jobs).length} jobs, ${plan.digest}\n`);
  return EXIT.ok;
}

/**
 * A target that writes a folder (Argo): without -o the files as one YAML stream; with -o each file in
 * that folder (created if missing); with --check each file compared, and generated files the plan no
 * longer gives are named.
 */
async function buildDirectory(file: string, plan: Plan, target: TargetName, files: readonly EmittedFile[], flags: BuildFlags, terminal: Terminal): Promise<number> {
  if (!flags.output) {
    terminal.out(files.map((f) => f.content).join("---\n"));
    return EXIT.ok;
  }
  const dir = flags.output;
  const command = `pipec build ${file} --target ${target}${flags.strict ? " --strict" : ""} -o ${dir}`;
  const leftovers = await generatedLeftovers(dir, target, files);
  if (flags.check) {
    let code: number = EXIT.ok;
    for (const f of files) code = Math.max(code, await checkGenerated(join(dir, f.path), f.content, plan, command, terminal));
    for (const name of leftovers) terminal.err(`${join(dir, name)} was generated by pipec but the plan no longer gives it: remove it\n`);
    return leftovers.length > 0 ? Math.max(code, EXIT.failed) : code;
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    terminal.err(`pipec build: cannot create ${dir}: ${fsProblem(cause)}; choose another -o folder\n`);
    return EXIT.invalidInput;
  }
  for (const f of files) if (!(await writeAtomically(join(dir, f.path), f.content, terminal))) return EXIT.invalidInput;
  for (const name of leftovers) terminal.err(`${join(dir, name)} was generated by pipec but the plan no longer gives it: remove it\n`);
  terminal.err(`wrote ${dir}: ${files.map((f) => f.path).join(", ")} (${target}, ${Object.keys(plan.jobs).length} jobs, ${plan.digest})\n`);
  return EXIT.ok;
}

/** Files in `dir` with a pipec header for this target that are not among `files`. */
async function generatedLeftovers(dir: string, target: TargetName, files: readonly EmittedFile[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const emitted = new Set(files.map((f) => f.path));
  const out: string[] = [];
  for (const name of names.sort()) {
    if (emitted.has(name) || !/\.ya?ml$/.test(name)) continue;
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    if (readHeader(text) !== null && text.split("\n", 1)[0]!.endsWith(`--target ${target}.`)) out.push(name);
  }
  return out;
}

/** Compares a committed engine file with a fresh one, saying whether another pipec version or another plan made it. */
async function checkGenerated(path: string, fresh: string, plan: Plan, command: string, terminal: Terminal): Promise<number> {
  let committed: string;
  try {
    committed = await readFile(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") {
      terminal.err(`pipec build --check: cannot read ${path}: ${fsProblem(cause)}; -o names the committed file\n`);
      return EXIT.invalidInput;
    }
    terminal.err(`${path} is missing: run ${command}\n`);
    return EXIT.failed;
  }
  if (committed === fresh) {
    terminal.err(`${path} is up to date (${plan.digest})\n`);
    return EXIT.ok;
  }
  const header = readHeader(committed);
  if (header === null) terminal.err(`${path} was not generated by pipec (no pipec header): run ${command}\n`);
  else if (header.version !== VERSION) terminal.err(`${path} was generated by pipec ${header.version}, this is pipec ${VERSION}: run ${command} with this version, or check with pipec ${header.version}\n`);
  else if (header.digest !== plan.digest) terminal.err(`${path} is stale: it was generated from plan ${header.digest}, the pipeline now gives ${plan.digest}; run ${command}\n`);
  else terminal.err(`${path} differs from what pipec ${VERSION} generates for this plan (edited by hand?): run ${command}\n`);
  return EXIT.failed;
}

function fsProblem(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "its folder does not exist";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is a file, not a folder";
  return (cause as Error).message;
}
