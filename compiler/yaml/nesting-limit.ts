/**
 * A nesting limit for pipeline YAML, checked in one pass before any parser sees the text: the `yaml`
 * package and the walk over its nodes recurse once per level, so 100,000 `[` would overflow the
 * stack. No real pipeline comes near the limit; a document past it is a located error (exit 2).
 *
 * Counted: flow collections (`[`, `{`) outside quotes and comments, and compact block sequences
 * (`- - - x`) on one line. Block mappings nest by indentation, which a file of sensible size cannot
 * take deep enough to matter (the sum of the indents grows with the square of the depth).
 */

/** Levels of `[ ]` / `{ }` (and of `- - -` on one line) a pipeline file may nest; documented in the README. */
export const MAX_NESTING = 256;

const TAB = 9, LF = 10, SPACE = 32, DQUOTE = 34, HASH = 35, SQUOTE = 39, COMMA = 44, DASH = 45, COLON = 58;
const LBRACKET = 91, BACKSLASH = 92, RBRACKET = 93, LBRACE = 123, RBRACE = 125;

/** Whitespace as `\s` reads it, for the ASCII and Latin-1 code units a YAML file holds around its syntax. */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** The source offset where the nesting first goes past `limit`, or -1. One pass over char codes (no string per character). */
export function nestingPastLimit(text: string, limit: number = MAX_NESTING): number {
  let depth = 0;
  let quote = 0;
  let lineStart = true;
  let dashes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === BACKSLASH && quote === DQUOTE) i++;
      else if (c === quote) {
        if (quote === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) i++;
        else quote = 0;
      }
      continue;
    }
    if (c === LF) {
      lineStart = true;
      dashes = 0;
      continue;
    }
    if (lineStart) {
      if (c === SPACE || c === TAB) continue;
      const next = text.charCodeAt(i + 1);
      if (c === DASH && (next === SPACE || next === TAB)) {
        if (++dashes > limit) return i;
        i++;
        continue;
      }
      lineStart = false;
    }
    if (c === HASH && (i === 0 || isSpace(text.charCodeAt(i - 1)))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if (c === DQUOTE || c === SQUOTE) {
      // A quote starts a quoted scalar only at the start of a value; inside a plain scalar it is a character.
      const before = i === 0 ? SPACE : text.charCodeAt(i - 1);
      if (isSpace(before) || before === LBRACKET || before === LBRACE || before === COMMA || before === COLON) quote = c;
    } else if (c === LBRACKET || c === LBRACE) {
      if (++depth > limit) return i;
    } else if ((c === RBRACKET || c === RBRACE) && depth > 0) depth--;
  }
  return -1;
}
