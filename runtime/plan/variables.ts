/**
 * Shell-style variable templates in env values, images and working directories:
 * `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR:+alt}` (set and non-empty), `$$` for `$`.
 * A bare `$VAR` belongs to the shell and `${{ ... }}` is an expression: both are left untouched.
 * A default or alternative may itself hold references: `${A:-${B}/x}`.
 */

export interface VariableRef {
  name: string;
  operator: null | ":-" | ":+";
  offset: number;
}

/** Thrown by `substitute` (and so `resolveDefinitions`) on a malformed template. */
export class VariableTemplateError extends Error {
  override readonly name = "VariableTemplateError";
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Definitions that reference each other in a loop; `cycle` names the route, e.g. ["A", "B", "A"]. */
export class VariableCycleError extends Error {
  override readonly name = "VariableCycleError";
  constructor(readonly cycle: string[]) {
    super(`variables reference each other in a cycle: ${cycle.join(" -> ")}`);
  }
}

type Part = { kind: "text"; value: string } | { kind: "ref"; ref: VariableRef; word: Part[] };
/** A parsed template: literal text (`$$` already `$`) and references with their default or alternative. */
export type TemplatePart = Part;

const NAME_CHAR = /[A-Za-z0-9_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(text: string): { ok: true; refs: VariableRef[] } | { ok: false; message: string; offset: number } {
  try {
    const refs: VariableRef[] = [];
    collectRefs(parseParts(text, 0, false).parts, refs);
    return { ok: true, refs };
  } catch (error) {
    if (error instanceof VariableTemplateError) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}

/** The parts of a template, for printers that re-express it (a shell prelude); throws VariableTemplateError. */
export function parseTemplateParts(text: string): TemplatePart[] {
  return parseParts(text, 0, false).parts;
}

/** Replaces every reference; an unset `${VAR}` becomes empty, as in a shell. Values are not re-scanned. */
export function substitute(text: string, lookup: (name: string) => string | undefined): string {
  return render(parseParts(text, 0, false).parts, lookup);
}

/**
 * Resolves definitions that may reference each other (`A: "${B}/x"`); names not defined go to `outer`.
 * A definition that references itself (`PATH: "/opt/bin:${PATH}"`) reads the outer value, as a shell does.
 */
export function resolveDefinitions(
  defs: Readonly<Record<string, string>>,
  outer: (name: string) => string | undefined,
): Record<string, string> {
  const cycle = findDefinitionCycle(defs);
  if (cycle) throw new VariableCycleError(cycle);
  const resolved = new Map<string, string>();
  const resolve = (name: string): string => {
    const done = resolved.get(name);
    if (done !== undefined) return done;
    const value = substitute(defs[name] as string, (ref) => (ref !== name && Object.hasOwn(defs, ref) ? resolve(ref) : outer(ref)));
    resolved.set(name, value);
    return value;
  };
  const result: Record<string, string> = {};
  for (const name of Object.keys(defs).sort()) result[name] = resolve(name);
  return result;
}

/**
 * The shortest cycle among definitions, e.g. ["A", "B", "A"], or null. Every reference is an edge,
 * fallbacks included, except a self-reference (it reads the outer value). Among cycles of equal length
 * the one through the alphabetically first name wins, starting at that name.
 */
export function findDefinitionCycle(defs: Readonly<Record<string, string>>): string[] | null {
  const names = Object.keys(defs).sort();
  const edges = new Map<string, string[]>();
  for (const name of names) {
    const parsed = parseTemplate(defs[name] as string);
    const targets = parsed.ok ? parsed.refs.map((r) => r.name).filter((r) => r !== name && Object.hasOwn(defs, r)) : [];
    edges.set(name, [...new Set(targets)].sort());
  }
  let best: string[] | null = null;
  for (const start of names) {
    // Breadth-first from `start` finds the shortest way back to it.
    const previous = new Map<string, string>();
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as string;
      const next = (edges.get(node) ?? []).find((target) => target === start);
      if (next !== undefined) {
        const route = [start];
        for (let at = node; at !== start; at = previous.get(at) as string) route.splice(1, 0, at);
        route.push(start);
        if (best === null || route.length < best.length) best = route;
        break;
      }
      for (const target of edges.get(node) ?? []) {
        if (target === start || previous.has(target)) continue;
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return best;
}

function collectRefs(parts: readonly Part[], into: VariableRef[]): void {
  for (const part of parts) {
    if (part.kind !== "ref") continue;
    into.push(part.ref);
    collectRefs(part.word, into);
  }
}

function render(parts: readonly Part[], lookup: (name: string) => string | undefined): string {
  let out = "";
  for (const part of parts) {
    if (part.kind === "text") {
      out += part.value;
      continue;
    }
    const value = lookup(part.ref.name);
    const isSet = value !== undefined && value !== "";
    if (part.ref.operator === ":-") out += isSet ? value : render(part.word, lookup);
    else if (part.ref.operator === ":+") out += isSet ? render(part.word, lookup) : "";
    else out += value ?? "";
  }
  return out;
}

/** Parses from `start` to the end of text, or (inside a default) to the `}` that closes it. */
function parseParts(text: string, start: number, nested: boolean): { parts: Part[]; end: number } {
  const parts: Part[] = [];
  let literal = "";
  const flush = (): void => {
    if (literal !== "") parts.push({ kind: "text", value: literal });
    literal = "";
  };
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (nested && ch === "}") {
      flush();
      return { parts, end: i };
    }
    if (ch !== "$") {
      literal += ch;
      i++;
    } else if (text[i + 1] === "$") {
      literal += "$";
      i += 2;
    } else if (text.startsWith("${{", i)) {
      const end = expressionEnd(text, i);
      literal += text.slice(i, end);
      i = end;
    } else if (text[i + 1] === "{") {
      flush();
      const ref = parseRef(text, i);
      parts.push(ref.part);
      i = ref.end;
    } else {
      literal += ch;
      i++;
    }
  }
  // An unclosed default is reported by the caller, at the `${` that opened it.
  flush();
  return { parts, end: i };
}

/** Parses `${NAME}`, `${NAME:-word}` or `${NAME:+word}` starting at the `$`. */
function parseRef(text: string, dollar: number): { part: Part; end: number } {
  const nameStart = dollar + 2;
  let i = nameStart;
  while (i < text.length && NAME_CHAR.test(text[i] as string)) i++;
  const name = text.slice(nameStart, i);
  if (i >= text.length) throw new VariableTemplateError("unterminated '${': expected '}'", dollar);
  if (name === "") throw new VariableTemplateError("empty variable name in '${'", dollar);
  if (!NAME.test(name)) throw new VariableTemplateError(`invalid variable name '${name}': names start with a letter or '_'`, nameStart);
  if (text[i] === "}") return { part: { kind: "ref", ref: { name, operator: null, offset: dollar }, word: [] }, end: i + 1 };
  const operator = text.slice(i, i + 2);
  if (operator !== ":-" && operator !== ":+") {
    const shown = text[i] === ":" ? operator : (text[i] as string);
    throw new VariableTemplateError(`unknown operator '${shown}' in \${${name}...}; use ':-' (default) or ':+' (alternative)`, i);
  }
  const word = parseParts(text, i + 2, true);
  if (word.end >= text.length) throw new VariableTemplateError("unterminated '${': expected '}'", dollar);
  return { part: { kind: "ref", ref: { name, operator, offset: dollar }, word: word.parts }, end: word.end + 1 };
}

/** End of a `${{ ... }}` expression, skipping `'quoted'` text; the rest of the text when unclosed. */
function expressionEnd(text: string, start: number): number {
  let quoted = false;
  for (let i = start + 3; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith("}}", i)) return i + 2;
  }
  return text.length;
}
