/**
 * `${{ matrix.<axis> }}` is replaced at compile time in scripts, images, environment values and step
 * names, so each matrix expansion is a plain job in the plan. Other `${{ }}` text is left alone.
 */
import { error, type Diagnostic } from "../diagnostic.ts";
import type { PlanPath } from "../draft.ts";
import type { MatrixCombination } from "../matrix.ts";
import { didYouMean } from "../../runtime/plan/did-you-mean.ts";
import type { LocatedDocument } from "./located-document.ts";
import { formatPath } from "./schema-issues.ts";

const MATRIX_REF = /\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g;

export interface MatrixScope {
  readonly jobKey: string;
  /** This expansion's values, or null for a job without a matrix. */
  readonly combination: MatrixCombination | null;
  /** Every key any combination of the job has: axes and `include` extras. */
  readonly keys: readonly string[];
  readonly document: LocatedDocument;
  readonly diagnostics: Diagnostic[];
}

/** Substitutes the matrix references in `text`, the value found at document path `path`. */
export function substituteMatrix(text: string, path: PlanPath, scope: MatrixScope): string {
  // Most text has no reference: it is returned as it is, without the replace and its table (17,500 steps, 17,500 tables).
  if (!text.includes("${{")) return text;
  const seen = new Map<string, number>();
  return text.replace(MATRIX_REF, (whole: string, axis: string) => {
    const occurrence = seen.get(whole) ?? 0;
    seen.set(whole, occurrence + 1);
    const value = scope.combination?.[axis];
    if (value !== undefined) return String(value);
    const location = scope.document.find(path, whole, occurrence) ?? scope.document.node(path) ?? null;
    scope.diagnostics.push(error("invalid-matrix", `${formatPath(path)}: ${problem(axis, scope)}`, location, hintFor(axis, scope)));
    // Reported here, once: left in place, validation would report it again as an expression in a script.
    return "";
  });
}

function problem(axis: string, { jobKey, combination, keys }: MatrixScope): string {
  if (combination === null) return `matrix.${axis} is used, but job "${jobKey}" has no matrix`;
  if (keys.includes(axis)) return `matrix.${axis} has no value in the combination ${JSON.stringify(combination)} of job "${jobKey}"`;
  const guess = didYouMean(axis, keys);
  return `matrix.${axis} is not a matrix axis of job "${jobKey}"${guess ? `; did you mean "${guess}"?` : ""}`;
}

function hintFor(axis: string, { combination, keys }: MatrixScope): string | undefined {
  if (combination === null) return `add a matrix to the job, for example matrix: { ${axis}: [...] }`;
  return keys.length > 0 ? `the matrix keys are: ${keys.join(", ")}` : undefined;
}
