/**
 * Pure rendering of the `pipec run` benchmark: one table of figures, ratios and targets, where a case's
 * rows share its first cell. Ratio targets are checked here so the verdicts are tested without Docker.
 */
import type { Check } from "./report.ts";

export interface RunRow {
  /** The case; printed on its first row only. */
  readonly section: string;
  readonly figure: string;
  /** Null when the figure could not be measured; `note` says why. */
  readonly ms: number | null;
  readonly peakRssMb?: number | null;
  /** e.g. "1.12x floor". */
  readonly ratio?: string;
  /** e.g. "≤ 1.3x floor PASS". */
  readonly target?: string;
  readonly note?: string;
}

export interface RatioCheck {
  readonly ratio: number;
  readonly pass: boolean;
}

const verdict = (pass: boolean | null): string => (pass === null ? "" : pass ? "PASS" : "MISS");
const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** `value / base` against an upper bound; null when either side is missing or the base is not positive. */
export function ratioAtMost(value: number | null, base: number | null, limit: number): RatioCheck | null {
  if (value === null || base === null || !(base > 0) || !Number.isFinite(value)) return null;
  const ratio = value / base;
  return { ratio, pass: ratio <= limit };
}

export const times = (ratio: number): string => `${ratio.toFixed(2)}x`;

/** The target cell: `≤ 1.3x floor PASS`, `… INVALID` when the figure's guard failed, or the bound alone when it could not be checked. */
export function targetCell(bound: string, check: RatioCheck | null, invalid?: string): string {
  if (invalid !== undefined) return `${bound} INVALID`;
  return check ? `${bound} ${verdict(check.pass)}` : `${bound} (not measured)`;
}

export function renderRunTable(rows: readonly RunRow[]): string {
  const lines = ["| case | figure | wall ms | peak RSS MB | ratio | target |", "| --- | --- | ---: | ---: | ---: | --- |"];
  let section: string | undefined;
  for (const row of rows) {
    const first = row.section !== section;
    section = row.section;
    const ms = row.ms === null ? (row.note ?? "n/a") : row.ms.toFixed(0);
    const rss = row.peakRssMb === undefined || row.peakRssMb === null ? "" : row.peakRssMb.toFixed(0);
    lines.push(`| ${first ? cell(row.section) : ""} | ${cell(row.figure)} | ${cell(ms)} | ${rss} | ${cell(row.ratio ?? "")} | ${cell(row.target ?? "")} |`);
  }
  return lines.join("\n");
}

/** One check line per target, for the list under the table. */
export function ratioChecks(
  entries: readonly { readonly what: string; readonly bound: string; readonly check: RatioCheck | null; readonly value?: string; readonly invalid?: string }[],
): Check[] {
  return entries.map(({ what, bound, check, value, invalid }) => ({
    what,
    value: check ? (value ?? times(check.ratio)) : "not measured",
    target: bound,
    pass: check && invalid === undefined ? check.pass : null,
    ...(invalid === undefined ? {} : { invalid }),
  }));
}
