/** POSIX shell quoting for generated scripts: one tested implementation for every target. */

/** `it's` -> `'it'\''s'`: safe for any text, including newlines. */
export function shellQuote(text: string): string {
  if (text !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/** Text for inside double quotes: `\`, `"`, `$` and backquote escaped. */
export function doubleQuoteBody(text: string): string {
  return text.replace(/[\\"$`]/g, (ch) => `\\${ch}`);
}

/**
 * One argument for a command line split by the rules of .NET / CommandLineToArgvW (how the GitHub
 * runner splits a service's `options`): double quotes group, `\"` is a quote, backslashes elsewhere
 * are literal. Single quotes mean nothing there.
 */
export function argvQuote(text: string): string {
  if (text !== "" && !/[\s"]/.test(text)) return text;
  return `"${text.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, "$1$1")}"`;
}
