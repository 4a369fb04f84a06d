/**
 * pipec output patterns (tinyglobby: `**`, `*`, `?`, `[...]`, `{a,b}`, dotfiles included, a pattern
 * naming a directory takes all of it) as POSIX extended regular expressions over `./`-less relative
 * paths, so that a generated script can select exactly the files pipec would with `find | grep -E`.
 */

/** The ERE for one pattern, anchored; null when the pattern uses syntax this converter does not know. */
export function globToEre(pattern: string): string | null {
  const trimmed = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  let out = "";
  let braces = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const ch = trimmed[i]!;
    if (ch === "*" && trimmed[i + 1] === "*") {
      const slashAfter = trimmed[i + 2] === "/";
      const atStart = i === 0 || trimmed[i - 1] === "/";
      if (!atStart || (!slashAfter && i + 2 !== trimmed.length)) return null;
      if (slashAfter) {
        out += "(.*/)?";
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const close = trimmed.indexOf("]", i + 2);
      if (close < 0) return null;
      const body = trimmed.slice(i + 1, close).replace(/^!/, "^");
      if (body.includes("/") || body.includes("[")) return null;
      out += `[${body}]`;
      i = close;
    } else if (ch === "{") {
      braces++;
      out += "(";
    } else if (ch === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (ch === "," && braces > 0) out += "|";
    else if (ch === "\\") return null;
    else out += /[.^$+()|{}]/.test(ch) ? `\\${ch}` : ch;
  }
  if (braces !== 0) return null;
  // A literal pattern may name a directory, which takes everything under it (globs match files only).
  return /[*?[{]/.test(trimmed) ? `^${out}$` : `^${out}(/.*)?$`;
}
