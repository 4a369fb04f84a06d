/**
 * The small JSONPath subset http metrics use to pick a number out of a response: `$.data.value`,
 * `$.items[0].rate`, `$['error-rate']`, `data.value` (the `$` is optional). No wildcards or filters.
 */
export class JsonPathError extends Error {
  override readonly name = "JsonPathError";
}

export function parseJsonPath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  let rest = path.trim();
  if (rest.startsWith("$")) rest = rest.slice(1);
  else if (rest !== "" && !rest.startsWith(".") && !rest.startsWith("[")) rest = `.${rest}`;
  while (rest !== "") {
    let match: RegExpExecArray | null;
    if ((match = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) keys.push(match[1]!);
    else if ((match = /^\[(\d+)\]/.exec(rest))) keys.push(Number(match[1]));
    else if ((match = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (match = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) keys.push(match[1]!.replace(/\\(.)/g, "$1"));
    else throw new JsonPathError(`jsonPath ${JSON.stringify(path)}: cannot read ${JSON.stringify(rest)} (supported: $.a.b, $.a[0], $['a-b'])`);
    rest = rest.slice(match[0].length);
  }
  return keys;
}

/** The value at `path`, or undefined when the document has nothing there. */
export function readJsonPath(document: unknown, path: string): unknown {
  let current = document;
  for (const key of parseJsonPath(path)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
