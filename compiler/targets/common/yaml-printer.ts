/**
 * A small, fast, deterministic YAML printer for generated engine files: block maps and sequences in
 * insertion order, literal block scalars for multi-line text, plain scalars where YAML reads them back
 * as the same string, double quotes (JSON escapes) otherwise. It prints only what emitters build
 * (plain objects, arrays, strings, finite numbers, booleans, null); a unit test parses every printed
 * document back. The `yaml` package's stringify builds a node tree first: for a 5,000-job workflow it
 * cost more than building the plan.
 */

export function printYaml(value: unknown): string {
  // One growing string: V8 keeps concatenations as ropes, cheaper than millions of array slots.
  const out: Out = { text: "" };
  if (isMap(value)) block(value, 0, out);
  else if (Array.isArray(value)) sequence(value, 0, out);
  else out.text += `${scalar(value, 0)}\n`;
  return out.text;
}

interface Out {
  text: string;
}

const PADS: string[] = [];
const pad = (indent: number): string => (PADS[indent] ??= " ".repeat(indent));

type YamlMap = Record<string, unknown>;

function isMap(value: unknown): value is YamlMap {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (!isMap(value)) return false;
  for (const _ in value) return false;
  return true;
}

/** A map's entries, each `key: value` at `indent`. */
function block(map: YamlMap, indent: number, out: Out, firstLinePrefix: string | null = null): void {
  let first = true;
  for (const key in map) {
    const value = map[key];
    if (value === undefined) continue;
    out.text += `${first && firstLinePrefix !== null ? firstLinePrefix : pad(indent)}${plainOrQuoted(key, true)}:`;
    first = false;
    entryValue(value, indent, out);
  }
  if (first) out.text += `${firstLinePrefix ?? pad(indent)}{}\n`;
}

/** What follows `key:` (or `-`): an inline scalar, or a nested block on the next lines. */
function entryValue(value: unknown, indent: number, out: Out): void {
  if (isEmpty(value)) out.text += Array.isArray(value) ? " []\n" : " {}\n";
  else if (isMap(value)) {
    out.text += "\n";
    block(value, indent + 2, out);
  } else if (Array.isArray(value)) {
    out.text += "\n";
    sequence(value, indent + 2, out);
  } else out.text += ` ${scalar(value, indent + 2)}\n`;
}

function sequence(items: readonly unknown[], indent: number, out: Out): void {
  const dash = `${pad(indent)}- `;
  for (const item of items) {
    if (isMap(item) && !isEmpty(item)) block(item, indent + 2, out, dash);
    else if (Array.isArray(item) && item.length > 0) {
      out.text += `${pad(indent)}-\n`;
      sequence(item, indent + 2, out);
    } else {
      out.text += `${pad(indent)}-`;
      entryValue(item, indent, out);
    }
  }
}

function scalar(value: unknown, indent: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`printYaml: ${value} has no YAML form here`);
    return String(value);
  }
  if (typeof value !== "string") throw new TypeError(`printYaml: cannot print a ${typeof value}`);
  if (value.includes("\n") && canBeLiteral(value)) return literal(value, indent);
  return plainOrQuoted(value);
}

/** `|`, `|-` or `|+` by the trailing newlines, each line indented. */
function literal(text: string, indent: number): string {
  const indentation = pad(indent);
  const trailing = /\n*$/.exec(text)![0].length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing === 0 ? text : text.slice(0, text.length - (trailing === 1 ? 1 : 0));
  const lines = body.split("\n").map((line) => (line === "" ? "" : indentation + line));
  if (trailing > 1) lines.pop();
  return `|${chomp}\n${lines.join("\n")}`;
}

/** Literal blocks cannot start with a blank (it would read as indentation), hold whitespace-only lines, \r or control characters. */
function canBeLiteral(text: string): boolean {
  return !/^[ \t]/.test(text) && !/(^|\n)[ \t]+(\n|$)/.test(text) && !/[\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text);
}

const RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|=)$/;
/** Words YAML 1.2's core schema reads as non-strings; keys need quotes only for these (`on:` stays plain, as workflows write it). */
const CORE_RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|<<)$/;
const NUMBER_LIKE = /^(?:[-+]?\.?[0-9]|[-+]?\.(?:inf|Inf|INF)$|\.(?:nan|NaN|NAN)$)/;

function plainOrQuoted(text: string, key = false): string {
  return isPlainSafe(text, key) ? text : JSON.stringify(text);
}

/** Words and paths: the common case, decided by one test. */
const SIMPLE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function isPlainSafe(text: string, key: boolean): boolean {
  if (SIMPLE.test(text)) return !(key ? CORE_RESERVED : RESERVED).test(text);
  if (text === "" || (key ? CORE_RESERVED : RESERVED).test(text) || NUMBER_LIKE.test(text)) return false;
  if (/^[\s]|[\s]$/.test(text)) return false;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(text)) return false;
  if (/^[!&*|>'"%@`#,[\]{}]/.test(text)) return false;
  if (/^[-?:](?:\s|$)/.test(text)) return false;
  if (text.includes(": ") || text.includes(" #") || text.endsWith(":")) return false;
  if (text.startsWith("---") || text.startsWith("...")) return false;
  return true;
}
