/**
 * GitLab's human durations ("3 hours 30 minutes", "1h 30m", "1 week", "3600") as pipec durations
 * ("3h30m", "7d", "1h"); null when the text is not one.
 */
const UNITS: readonly [RegExp, number][] = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3_600],
  [/^(d|day|days)$/, 86_400],
  [/^(w|wk|wks|week|weeks)$/, 604_800],
  [/^(mo|mon|month|months)$/, 2_592_000],
  [/^(y|yr|yrs|year|years)$/, 31_536_000],
];

export function gitlabDuration(text: string): string | null {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return pipecDuration(Number(trimmed));
  let seconds = 0;
  let rest = trimmed.replace(/\band\b|,/g, " ");
  const part = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*/;
  if (rest === "") return null;
  while (rest !== "") {
    const match = part.exec(rest);
    if (!match) return null;
    const unit = UNITS.find(([pattern]) => pattern.test(match[2]!));
    if (!unit) return null;
    seconds += Number(match[1]) * unit[1];
    rest = rest.slice(match[0].length);
  }
  return pipecDuration(Math.round(seconds));
}

/** Whole seconds as the shortest pipec duration text: "90s", "15m", "3h30m", "7d". */
export function pipecDuration(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds > 0 && seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds >= 3_600 && seconds % 60 === 0) return `${Math.floor(seconds / 3_600)}h${(seconds % 3_600) / 60}m`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
