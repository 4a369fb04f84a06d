/** `pipec metrics dora [--since 30d] [--json] [--deployment NAME]`: the delivery metrics from `.pipec/deployments/`. */
import { describeFigures, describeSpan, MetricsInputError, readDoraReport, type DoraFigures } from "../../runtime/metrics/index.ts";
import { DamagedJsonError } from "../../runtime/deploy/history/index.ts";
import { parseDuration } from "../../runtime/plan/duration.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";

export interface DoraFlags {
  readonly since?: string;
  readonly json?: boolean;
  readonly deployment?: string;
}

export const DEFAULT_SINCE = "30d";

/** `--since`: a positive duration with its unit (a bare number would read as seconds, surely not meant); undefined when it is not one. */
export function parseSince(since: string): number | undefined {
  const ms = parseDuration(since);
  return ms === undefined || ms <= 0 || /^\s*\d+(\.\d+)?\s*$/.test(since) ? undefined : ms;
}

export const sinceProblem = (command: string, since: string) => `pipec ${command}: --since ${since}: expected a duration with its unit, like 30d, 12h or 90m\n`;

export function doraCommand(flags: DoraFlags, terminal: Terminal): number {
  const since = flags.since ?? DEFAULT_SINCE;
  const sinceMs = parseSince(since);
  if (sinceMs === undefined) {
    terminal.err(sinceProblem("metrics dora", since));
    return EXIT.invalidInput;
  }
  let report;
  try {
    report = readDoraReport(currentProjectRoot(), { sinceMs, deployment: flags.deployment });
  } catch (error) {
    if (error instanceof MetricsInputError || error instanceof DamagedJsonError) {
      terminal.err(`pipec metrics dora: ${error.message}\n`);
      return EXIT.invalidInput;
    }
    throw error;
  }
  if (flags.json) {
    terminal.out(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  terminal.out(`DORA metrics from ${report.from} to ${report.to} (the last ${describeSpan(sinceMs)})\n`);
  if (report.deployments.length === 0) {
    terminal.out("\nnot enough data: no deployment has a history in .pipec/deployments yet (a pipec run with a deploy job makes one)\n");
    return EXIT.ok;
  }
  for (const figures of [...report.deployments, ...(report.all === null ? [] : [report.all])]) terminal.out(renderFigures(figures));
  return EXIT.ok;
}

/** One block per deployment: each metric's value, band and counts; "not enough data" with why. */
export function renderFigures(figures: DoraFigures): string {
  const lines = [`\n${figures.deployment === null ? "all deployments" : `deployment ${figures.deployment}`}\n`];
  for (const line of describeFigures(figures)) {
    // Without a value, the note says why ("not enough data: ..."); with one, it says what is left out.
    const value = line.value === null ? (line.note ?? "not enough data") : `${line.value}  [${line.band}]`;
    lines.push(`  ${line.label.padEnd(22)} ${value}\n`);
    lines.push(`  ${"".padEnd(22)} ${line.counts}\n`);
    if (line.note !== null && line.value !== null) lines.push(`  ${"".padEnd(22)} ${line.note}\n`);
  }
  return lines.join("");
}
