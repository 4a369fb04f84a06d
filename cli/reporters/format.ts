/** Small formatting helpers shared by the reporters. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

const COLORS = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];
export function jobColor(job: string): number {
  let hash = 0;
  for (const ch of job) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[hash % COLORS.length]!;
}

export const paint = (on: boolean, code: number | string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export const STATUS_MARK: Record<string, string> = { success: "ok", failed: "FAILED", "timed-out": "TIMED OUT", skipped: "skipped", cancelled: "cancelled" };
