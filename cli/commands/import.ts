/** `pipec import FILE [--from gitlab|github] [-o OUT] [--format ts|yaml] [--image IMAGE]` */
import { rename, unlink, writeFile } from "node:fs/promises";
import { importFile, type ImportFormat, type ImportSource } from "../../compiler/import/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { printDiagnostics } from "../print-diagnostics.ts";

export interface ImportFlags {
  readonly from?: ImportSource;
  readonly output?: string;
  readonly format?: ImportFormat;
  readonly image?: string;
}

export async function importCommand(path: string, flags: ImportFlags, terminal: Terminal): Promise<number> {
  const format = flags.format ?? (flags.output && /\.ya?ml$/.test(flags.output) ? "yaml" : "ts");
  const result = importFile(path, { from: flags.from, format, ...(flags.image ? { defaultImage: flags.image } : {}) });
  printDiagnostics(terminal, result.diagnostics, path);
  if (result.text === null) {
    terminal.err(`pipec import: nothing written: ${path} cannot be imported (above)\n`);
    return EXIT.invalidInput;
  }
  const todos = result.todos.length;
  const summary = `${result.jobs} job${result.jobs === 1 ? "" : "s"} from ${result.from === "gitlab" ? "GitLab CI" : "GitHub Actions"}, ${todos === 0 ? "no TODOs" : `${todos} TODO${todos === 1 ? "" : "s"} to review (listed above, marked in the file)`}`;
  if (!flags.output) {
    terminal.out(result.text);
    terminal.err(`imported ${summary}\n`);
    return EXIT.ok;
  }
  const temp = `${flags.output}.${process.pid}.tmp`;
  try {
    await writeFile(temp, result.text);
    await rename(temp, flags.output);
  } catch (cause) {
    await unlink(temp).catch(() => {});
    terminal.err(`pipec import: cannot write ${flags.output}: ${(cause as Error).message}; choose another -o path\n`);
    return EXIT.invalidInput;
  }
  terminal.err(`wrote ${flags.output}: ${summary}; check it with pipec build ${flags.output}\n`);
  return EXIT.ok;
}
