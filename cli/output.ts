/** The CLI's only contact with the terminal. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { renderDiagnostics, type Diagnostic } from "../compiler/index.ts";

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  readonly color: boolean;
}

export function processTerminal(): Terminal {
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR && process.env.CI === undefined;
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), color };
}

/** Prints diagnostics with code frames read from the files they name (relative to the pipeline's folder). */
export function printDiagnostics(terminal: Terminal, diagnostics: readonly Diagnostic[], pipelineFile: string): void {
  if (diagnostics.length === 0) return;
  const root = dirname(resolve(pipelineFile));
  const sources = new Map<string, string>();
  for (const d of diagnostics) {
    const file = d.location?.file;
    if (!file || sources.has(file)) continue;
    try {
      sources.set(file, readFileSync(resolve(root, file), "utf8"));
    } catch {
      // No frame for a file we cannot read; the location is still printed.
    }
  }
  terminal.err(`${renderDiagnostics(diagnostics, { sources, color: terminal.color })}\n`);
}
