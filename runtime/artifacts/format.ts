/** Sizes and ages the way people read them, for messages and `pipec artifacts`. */

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** `512 B`, `1.5 KiB`, `12.0 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** The largest whole unit: `9d`, `5h`, `3m`, `20s`. */
export function formatAge(ms: number): string {
  const units = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const;
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return `${Math.max(0, Math.floor(ms / 1000))}s`;
}
