/**
 * Diagnostics as people read them: `file:line:col error[code]: message`, a code frame with a caret
 * at the column, and the hint. Pure: the caller passes the source texts it has.
 */
import type { Diagnostic } from "./diagnostic.ts";

export interface RenderOptions {
  /** Source text by display path, for code frames. */
  readonly sources?: ReadonlyMap<string, string>;
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function renderDiagnostic(d: Diagnostic, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : "";
  const label = d.severity === "error" ? paint(color, "31;1", `error[${d.code}]`) : paint(color, "33;1", `warning[${d.code}]`);
  const lines = [`${paint(color, "1", where)}${label}: ${d.message}`];
  const source = d.location ? options.sources?.get(d.location.file) : undefined;
  if (d.location && source !== undefined) lines.push(codeFrame(source, d.location.line, d.location.column, color));
  if (d.hint) lines.push(`  ${paint(color, "36", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], options: RenderOptions = {}): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const body = diagnostics.map((d) => renderDiagnostic(d, options)).join("\n\n");
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const summary = [errors ? plural(errors, "error") : "", warnings ? plural(warnings, "warning") : ""].filter(Boolean).join(", ");
  return summary ? `${body}\n\n${summary}` : body;
}

/** Two lines of context above the line, the line itself and a caret under the column. */
export function codeFrame(source: string, line: number, column: number, color = false): string {
  const all = source.split(/\r?\n/);
  const first = Math.max(1, line - 2);
  const last = Math.min(all.length, line);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === line ? paint(color, "31;1", ">") : " ";
    out.push(`${marker} ${String(n).padStart(width)} | ${all[n - 1] ?? ""}`);
    if (n === line) out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}${paint(color, "31;1", "^")}`);
  }
  return out.join("\n");
}
