/** `pipec targets [--target T] [--json|--markdown]`: the coverage table, from the emitters' own feature registries. */
import { coverageMarkdown, TARGET_NAMES, TARGETS, type TargetName } from "../../compiler/targets/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";

export interface TargetsFlags {
  readonly target?: TargetName;
  readonly json?: boolean;
  readonly markdown?: boolean;
}

export function targetsCommand(flags: TargetsFlags, terminal: Terminal): number {
  const names = flags.target ? [flags.target] : [...TARGET_NAMES];
  if (flags.markdown) {
    terminal.out(coverageMarkdown(Object.fromEntries(names.map((name) => [name, TARGETS[name]]))));
    return EXIT.ok;
  }
  if (flags.json) {
    terminal.out(`${JSON.stringify(Object.fromEntries(names.map((name) => [name, TARGETS[name].features])), null, 2)}\n`);
    return EXIT.ok;
  }
  for (const name of names) {
    const target = TARGETS[name];
    terminal.out(`${target.title} (--target ${name})\n`);
    const rows = Object.entries(target.features);
    const width = Math.max(...rows.map(([field]) => field.length));
    for (const [field, support] of rows) terminal.out(`  ${field.padEnd(width)}  ${support.coverage.padEnd(12)}  ${support.note}\n`);
    terminal.out("\n");
  }
  return EXIT.ok;
}
