/**
 * The importer's diagnostics: every construct that did not carry over is a warning at its source line
 * (the output has a TODO at the same spot); input that cannot be imported at all is an error.
 */
import type { Diagnostic } from "../diagnostic.ts";
import { error, warning } from "../make-diagnostic.ts";

/** A source file (the imported one, or a file it includes) and a 1-based line. */
export interface Where {
  readonly file: string;
  readonly line: number;
}

export class ImportDiagnostics {
  readonly list: Diagnostic[] = [];
  /** Every TODO, in order, for the summary the CLI prints. */
  readonly todos: { readonly where: Where; readonly message: string }[] = [];

  /** Something the output carries as a TODO comment: the import goes on. */
  todo(where: Where, message: string, hint?: string): string {
    this.todos.push({ where, message });
    this.list.push(warning("target-unsupported", `${message} (TODO in the output)`, at(where), hint));
    return `TODO(${where.file}:${where.line}): ${message}${hint ? `; ${hint}` : ""}`;
  }

  /** Something the output carries approximately: said, not marked. */
  approximated(where: Where, message: string, hint?: string): void {
    this.list.push(warning("target-approximation", message, at(where), hint));
  }

  /** The file cannot be imported. */
  fail(code: "yaml-syntax" | "schema" | "load-failed", where: Where | null, message: string, hint?: string): void {
    this.list.push(error(code, message, where === null ? null : at(where), hint));
  }

  get failed(): boolean {
    return this.list.some((d) => d.severity === "error");
  }
}

const at = (where: Where) => ({ file: where.file, line: Math.max(1, where.line), column: 1 });
