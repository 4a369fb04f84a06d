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
