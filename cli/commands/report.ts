/** `pipec report [RUN] [-o report.html] [--since 30d]`: one self-contained HTML page of a run. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderRunReport, ReportInputError } from "../../runtime/report/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";
import { DEFAULT_SINCE, parseSince, sinceProblem } from "./metrics.ts";

export interface ReportFlags {
  readonly output?: string;
  readonly since?: string;
}

export function reportCommand(run: string | undefined, flags: ReportFlags, terminal: Terminal): number {
  const since = flags.since ?? DEFAULT_SINCE;
  const sinceMs = parseSince(since);
  if (sinceMs === undefined) {
    terminal.err(sinceProblem("report", since));
    return EXIT.invalidInput;
  }
  let report;
  try {
    report = renderRunReport(currentProjectRoot(), { run, sinceMs });
  } catch (error) {
    if (error instanceof ReportInputError) {
      terminal.err(`pipec report: ${error.message}\n`);
      return EXIT.invalidInput;
    }
    throw error;
  }
  const output = flags.output ?? "report.html";
  if (output === "-") {
    terminal.out(report.html);
    return EXIT.ok;
  }
  try {
    writeFileSync(output, report.html);
  } catch (error) {
    terminal.err(`pipec report: cannot write ${output}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "its folder does not exist" : (error as Error).message}\n`);
    return EXIT.invalidInput;
  }
  terminal.out(`wrote the report of run ${report.runId} to ${resolve(output)}\n`);
  return EXIT.ok;
}
