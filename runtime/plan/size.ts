/** Byte sizes as authors write them: a number of bytes, or `"512m"`, `"2g"`, `"1.5GiB"`, `"800k"`. */
const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const factor = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  return match && factor !== undefined ? Math.round(Number(match[1]) * factor) : undefined;
}
