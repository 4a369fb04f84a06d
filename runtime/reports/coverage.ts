/**
 * Coverage reports to ratios: Cobertura XML (`<coverage lines-covered lines-valid ...>`, written by
 * vitest/istanbul, coverage.py, JaCoCo converters) and lcov tracefiles (`LF:`/`LH:` per file). The
 * format is told from the content, so one `coverage:` list may hold both.
 */
import { descendants, parseXml } from "./xml.ts";

/** Covered and total counts; ratios are derived so several reports add up exactly. */
export interface CoverageCounts {
  readonly lines: { readonly covered: number; readonly total: number };
  readonly branches: { readonly covered: number; readonly total: number } | null;
  readonly functions: { readonly covered: number; readonly total: number } | null;
}

export type CoverageResult = { readonly ok: true; readonly format: "cobertura" | "lcov"; readonly counts: CoverageCounts } | { readonly ok: false; readonly message: string };

export function parseCoverage(text: string): CoverageResult {
  const start = text.trimStart();
  if (start.startsWith("<")) return parseCobertura(text);
  if (/^(TN:|SF:)/m.test(text)) return parseLcov(text);
  return { ok: false, message: "neither Cobertura XML nor an lcov tracefile (no <coverage> element, no SF: records)" };
}

function parseCobertura(text: string): CoverageResult {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const root = parsed.root;
  if (root.name !== "coverage") return { ok: false, message: `not a Cobertura report: its root element is <${root.name}>, not <coverage>` };
  const count = (name: string): number | null => {
    const value = Number(root.attributes[name]);
    return root.attributes[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : null;
  };
  let lines = pair(count("lines-covered"), count("lines-valid"));
  // Some writers give only rates: count the <line> elements instead.
  if (lines === null) {
    const all = descendants(root, "line");
    lines = { covered: all.filter((line) => Number(line.attributes.hits) > 0).length, total: all.length };
  }
  const branches = pair(count("branches-covered"), count("branches-valid"));
  const methods = descendants(root, "method");
  const functions = methods.length === 0 ? null : { covered: methods.filter((method) => descendants(method, "line").some((line) => Number(line.attributes.hits) > 0)).length, total: methods.length };
  return { ok: true, format: "cobertura", counts: { lines, branches, functions } };
}

function parseLcov(text: string): CoverageResult {
  const sums: Record<string, number> = { LF: 0, LH: 0, BRF: 0, BRH: 0, FNF: 0, FNH: 0 };
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const match = /^(LF|LH|BRF|BRH|FNF|FNH):(\d+)\s*$/.exec(line);
    if (!match) continue;
    sums[match[1]!]! += Number(match[2]);
    seen.add(match[1]!);
  }
  if (!seen.has("LF")) return { ok: false, message: "an lcov tracefile without LF: (lines found) records" };
  return {
    ok: true,
    format: "lcov",
    counts: {
      lines: { covered: sums.LH!, total: sums.LF! },
      branches: seen.has("BRF") ? { covered: sums.BRH!, total: sums.BRF! } : null,
      functions: seen.has("FNF") ? { covered: sums.FNH!, total: sums.FNF! } : null,
    },
  };
}

function pair(covered: number | null, total: number | null) {
  return covered === null || total === null ? null : { covered, total };
}

/** Counts of several reports added up (null parts stay null only when every report lacks them). */
export function addCoverage(a: CoverageCounts, b: CoverageCounts): CoverageCounts {
  const add = (x: { covered: number; total: number } | null, y: { covered: number; total: number } | null) =>
    x === null ? y : y === null ? x : { covered: x.covered + y.covered, total: x.total + y.total };
  return { lines: add(a.lines, b.lines)!, branches: add(a.branches, b.branches), functions: add(a.functions, b.functions) };
}

/** covered / total, or null when nothing was measured. */
export function ratio(part: { covered: number; total: number } | null): number | null {
  return part === null || part.total === 0 ? null : part.covered / part.total;
}
