/** Splits expression text into tokens. Every token keeps its 0-based offset for error messages. */

export type Token =
  | { kind: "string"; value: string; offset: number }
  | { kind: "number"; value: number; offset: number }
  | { kind: "ident"; value: string; offset: number }
  | { kind: "punct"; value: Punct; offset: number }
  | { kind: "end"; offset: number };

export type Punct = "(" | ")" | "[" | "]" | "." | "," | "!" | "&&" | "||" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; message: string; offset: number };

const TWO_CHAR: readonly Punct[] = ["&&", "||", "==", "!=", "<=", ">="];
const ONE_CHAR: readonly Punct[] = ["(", ")", "[", "]", ".", ",", "!", "<", ">"];
/** A lone `=`, `&` or `|` is almost always a doubled operator typed once. */
const LONE_HINT: Readonly<Record<string, string>> = { "=": "==", "&": "&&", "|": "||" };
/** GitHub-style names: a hyphen is allowed after the first character (`needs.build-linux.result`). */
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const WORD_CHAR = /[A-Za-z0-9_]/;

export function tokenize(text: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      const read = readString(text, i);
      if (!read) return { ok: false, message: "unterminated string", offset: i };
      tokens.push({ kind: "string", value: read.value, offset: i });
      i = read.end;
      continue;
    }
    if (/[-\d]/.test(ch) || (ch === "." && /\d/.test(text[i + 1] ?? "") && !followsValue(tokens))) {
      const match = matchAt(NUMBER, text, i);
      if (match === undefined || WORD_CHAR.test(text[i + match.length] ?? "")) {
        return { ok: false, message: ch === "-" && match === undefined ? "unexpected character '-'" : "invalid number", offset: i };
      }
      const value = Number(match);
      if (!Number.isFinite(value)) return { ok: false, message: `number out of range: ${match}`, offset: i };
      tokens.push({ kind: "number", value: value === 0 ? 0 : value, offset: i });
      i += match.length;
      continue;
    }
    const ident = matchAt(IDENT, text, i);
    if (ident !== undefined) {
      tokens.push({ kind: "ident", value: ident, offset: i });
      i += ident.length;
      continue;
    }
    const two = text.slice(i, i + 2);
    const punct = TWO_CHAR.find((p) => p === two) ?? ONE_CHAR.find((p) => p === ch);
    if (punct !== undefined) {
      tokens.push({ kind: "punct", value: punct, offset: i });
      i += punct.length;
      continue;
    }
    const hint = LONE_HINT[ch];
    return { ok: false, message: `unexpected character '${ch}'${hint ? `; did you mean '${hint}'?` : ""}`, offset: i };
  }
  tokens.push({ kind: "end", offset: text.length });
  return { ok: true, tokens };
}

/** Reads a `'quoted'` string starting at `start`; `''` inside is one quote. */
function readString(text: string, start: number): { value: string; end: number } | undefined {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      if (text[i + 1] !== "'") return { value, end: i + 1 };
      value += "'";
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  return undefined;
}

function matchAt(pattern: RegExp, text: string, offset: number): string | undefined {
  pattern.lastIndex = offset;
  return pattern.exec(text)?.[0];
}

/** After a name, `)` or `]` a `.` is property access, never the start of `.5`. */
function followsValue(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return last !== undefined && (last.kind === "ident" || (last.kind === "punct" && (last.value === ")" || last.value === "]")));
}
