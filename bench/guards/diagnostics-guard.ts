/**
 * The diagnostics row's guard: did the timed `pipec validate --json` report every mistake of the
 * generated file? Its JSON output holds exactly the expected number of errors, each with a location in
 * the file. A run that stopped early (one round of errors, a crash, a cut) makes the figure INVALID. Pure.
 */
import { VALID, invalid, type Verdict } from "./verdict.ts";

export function guardDiagnostics(output: unknown, expected: { readonly errors: number; readonly file: string }): Verdict {
  const diagnostics = (output as { diagnostics?: unknown } | null)?.diagnostics;
  if (!Array.isArray(diagnostics)) return invalid("validate --json printed no diagnostics list");
  const errors = diagnostics.filter((d) => (d as { severity?: unknown } | null)?.severity === "error");
  if (errors.length !== expected.errors) return invalid(`validate reported ${errors.length} errors; the file has ${expected.errors}`);
  const unlocated = errors.filter((d) => (d as { location?: { file?: unknown } | null }).location?.file !== expected.file).length;
  return unlocated === 0 ? VALID : invalid(`${unlocated} errors are not located in ${expected.file}`);
}
