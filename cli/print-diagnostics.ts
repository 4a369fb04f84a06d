/**
 * Diagnostics on the terminal, with code frames. Apart from output.ts so that a command that prints
 * none (`pipec --version`, `pipec --help`) loads nothing of the compiler.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Diagnostic } from "../compiler/diagnostic.ts";
import { renderDiagnostics } from "../compiler/render-diagnostics.ts";
import type { Terminal } from "./output.ts";

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
