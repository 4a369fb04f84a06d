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

/** The source offset where the nesting first goes past `limit`, or -1. */
export function nestingPastLimit(text: string, limit: number = MAX_NESTING): number {
  let depth = 0;
  let quote: '"' | "'" | null = null;
  let lineStart = true;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = null;
      }
      continue;
    }
    if (c === "\n") {
      lineStart = true;
      dashes = 0;
      continue;
    }
    if (lineStart) {
      if (c === " " || c === "\t") continue;
      if (c === "-" && (text[i + 1] === " " || text[i + 1] === "\t")) {
        if (++dashes > limit) return i;
        i++;
        continue;
      }
      lineStart = false;
    }
    if (c === "#" && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      // A quote starts a quoted scalar only at the start of a value; inside a plain scalar it is a character.
      const before = i === 0 ? " " : text[i - 1]!;
      if (/[\s[{,:]/.test(before)) quote = c;
    } else if (c === "[" || c === "{") {
      if (++depth > limit) return i;
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return -1;
}
