/** Characters, keys and scalar values as `yaml` reads them, for the simple YAML reader. */

/** What a plain scalar may start with here (a subset of what YAML allows; "-" is handled apart). */
export const PLAIN_START = /[A-Za-z0-9_./$(+~=]/;
export const ALNUM = /[A-Za-z0-9]/;

/** A letter, a digit or "_": what a key starts with. */
export function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** What an anchor or alias name may hold here: letters, digits, "_" and "-". */
export function isAnchorCode(code: number): boolean {
  return isWordCode(code) || code === 45;
}

/** A deep copy of a read value: an alias or a merge gives each use its own objects, as a second walk would. */
export function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
}

/** Keys are the longest run of these (letters, digits, "_", ".", "/", "-"), then a colon. */
export function isKeyCode(code: number): boolean {
  return isWordCode(code) || code === 46 || code === 47 || code === 45;
}

/** `yaml` rejects an implicit key whose colon is more than 1024 characters after its start. */
export const MAX_KEY_LENGTH = 1000;

/** A plain scalar's value in the YAML 1.2 core schema, tested in the order `yaml` tests its tags. */
export function resolvePlain(raw: string): unknown {
  const first = raw.charCodeAt(0);
  // Only these can start a null, boolean or number; everything else is a string.
  const maybeTyped = (first >= 48 && first <= 57) || "~nNtTfF+-.".includes(raw[0] ?? "");
  if (!maybeTyped) return raw;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(raw)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(raw)) return raw[0] === "t" || raw[0] === "T";
  if (/^0o[0-7]+$/.test(raw)) return Number.parseInt(raw.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(raw)) return Number.parseInt(raw, 10);
  if (/^0x[0-9a-fA-F]+$/.test(raw)) return Number.parseInt(raw.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(raw)) {
    return raw.slice(-3).toLowerCase() === "nan" ? Number.NaN : raw[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(raw)) return Number.parseFloat(raw);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(raw)) return Number.parseFloat(raw);
  return raw;
}
