/** Parsing what `pipec run` is given besides the pipeline: `--var NAME=value`, `--secrets-file`, the secrets' values. */
import { readFileSync } from "node:fs";
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { Plan } from "../../runtime/plan/schema.ts";
import { parseByteSize } from "../../runtime/plan/size.ts";

export class RunInputError extends Error {
  override readonly name = "RunInputError";
}

export function parseVars(flags: readonly string[], plan: Plan): Record<string, string> {
  const vars: Record<string, string> = {};
  const declared = Object.keys(plan.vars);
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new RunInputError(`--var ${flag}: write --var NAME=value`);
    const name = flag.slice(0, eq);
    if (!declared.includes(name)) {
      const guess = didYouMean(name, declared);
      const known = declared.length ? `declared: ${declared.join(", ")}` : "this pipeline declares none";
      throw new RunInputError(`--var ${name}: the pipeline declares no variable ${name}${guess ? `; did you mean ${guess}?` : ""} (${known}). Declare it in the pipeline's vars.`);
    }
    vars[name] = flag.slice(eq + 1);
  }
  return vars;
}

/** Values for the plan's secrets: from --secrets-file (KEY=VALUE lines) first, then the environment. */
export function readSecrets(plan: Plan, secretsFile: string | undefined, env: NodeJS.ProcessEnv): Record<string, string> {
  const fromFile: Record<string, string> = {};
  if (secretsFile) {
    let text: string;
    try {
      text = readFileSync(secretsFile, "utf8");
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a directory" : code === "EACCES" || code === "EPERM" ? "permission denied" : (cause as Error).message;
      throw new RunInputError(`--secrets-file ${secretsFile} cannot be read: ${why}; pass a file of NAME=value lines`);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) return;
      const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
      // Never echo the line: it holds a secret.
      if (!match) throw new RunInputError(`--secrets-file ${secretsFile}:${index + 1}: expected NAME=value`);
      fromFile[match[1]!] = unquote(match[2]!);
    });
  }
  const secrets: Record<string, string> = {};
  for (const name of plan.secrets) {
    const value = fromFile[name] ?? env[name];
    if (value !== undefined && value !== "") secrets[name] = value;
  }
  return secrets;
}

function unquote(value: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}

export interface OutputLimitFlags {
  perOutputBytes?: number;
  perRunBytes?: number;
}

/** `--max-output-size` and `--max-run-output-size`: sizes like 500m or 10g; unset ones keep the run's defaults. */
export function parseOutputLimits(flags: { readonly maxOutputSize?: string; readonly maxRunOutputSize?: string }): OutputLimitFlags {
  const limits: OutputLimitFlags = {};
  const size = (flag: string, value: string) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes < 1) throw new RunInputError(`${flag} ${value}: expected a size like 500m, 10g or 2GiB`);
    return bytes;
  };
  if (flags.maxOutputSize !== undefined) limits.perOutputBytes = size("--max-output-size", flags.maxOutputSize);
  if (flags.maxRunOutputSize !== undefined) limits.perRunBytes = size("--max-run-output-size", flags.maxRunOutputSize);
  return limits;
}
