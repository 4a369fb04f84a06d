/** The CLI's only contact with the terminal (diagnostics go through print-diagnostics.ts). */

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  readonly color: boolean;
}

export function processTerminal(): Terminal {
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR && process.env.CI === undefined;
  return { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), color };
}
