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
  return render(d, options, sourceLines(options.sources));
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], options: RenderOptions = {}): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  // Each source is split into lines once for all its diagnostics: 100,000 problems in one big file
  // render in linear time, not 100,000 splits of the file.
  const lines = sourceLines(options.sources);
  const body = diagnostics.map((d) => render(d, options, lines)).join("\n\n");
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const summary = [errors ? plural(errors, "error") : "", warnings ? plural(warnings, "warning") : ""].filter(Boolean).join(", ");
  return summary ? `${body}\n\n${summary}` : body;
}

function render(d: Diagnostic, options: RenderOptions, lines: (file: string) => readonly string[] | undefined): string {
  const color = options.color ?? false;
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : "";
  const label = d.severity === "error" ? paint(color, "31;1", `error[${d.code}]`) : paint(color, "33;1", `warning[${d.code}]`);
  const out = [`${paint(color, "1", visible(where))}${label}: ${visible(d.message)}`];
  const source = d.location ? lines(d.location.file) : undefined;
  if (d.location && source !== undefined) out.push(codeFrame(source, d.location.line, d.location.column, color));
  if (d.hint) out.push(`  ${paint(color, "36", "hint")}: ${visible(d.hint)}`);
  return out.join("\n");
}

/** The lines of each source, split on first use. */
function sourceLines(sources: ReadonlyMap<string, string> | undefined): (file: string) => readonly string[] | undefined {
  const split = new Map<string, readonly string[]>();
  return (file) => {
    const text = sources?.get(file);
    if (text === undefined) return undefined;
    let lines = split.get(file);
    if (!lines) split.set(file, (lines = text.split(/\r?\n/)));
    return lines;
  };
}

/** Two lines of context above the line, the line itself and a caret under the column. `source`: the text, or its lines. */
export function codeFrame(source: string | readonly string[], line: number, column: number, color = false): string {
  const all = typeof source === "string" ? source.split(/\r?\n/) : source;
  const first = Math.max(1, line - 2);
  const last = Math.min(all.length, line);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === line ? paint(color, "31;1", ">") : " ";
    const text = all[n - 1] ?? "";
    out.push(`${marker} ${String(n).padStart(width)} | ${visible(text)}`);
    if (n === line) out.push(`  ${" ".repeat(width)} | ${caretPadding(text, column)}${paint(color, "31;1", "^")}`);
  }
  return out.join("\n");
}

/**
 * Control characters (and the bidirectional overrides that make text read differently from what it
 * is) escaped, so a source line or message can never move the cursor, recolour or clear the
 * terminal: ESC prints as `\x1b`, U+202E as `\u202e`. Tabs and line breaks stay.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Spaces up to the column, as wide as the escaped text before it; tabs are kept so the caret lines up under them. */
function caretPadding(text: string, column: number): string {
  return visible(text.slice(0, Math.max(0, column - 1))).replace(/[^\t]/g, " ");
}
