/**
 * Five-field cron expressions as GitHub Actions, GitLab and Argo take them (minute, hour, day of
 * month, month, day of week; `*`, lists, ranges, steps, month and day names), checked, not run:
 * pipec does not schedule runs itself. Pure: text in, the first problem (or null) out.
 */

const FIELDS = [
  { name: "minute", min: 0, max: 59, names: [] as string[] },
  { name: "hour", min: 0, max: 23, names: [] as string[] },
  { name: "day of month", min: 1, max: 31, names: [] as string[] },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

/** Why `text` is not a five-field cron expression, or null when it is one. */
export function cronProblem(text: string): string | null {
  const parts = text.trim().split(/\s+/).filter((part) => part !== "");
  if (text.trim().startsWith("@")) return `"${text.trim()}" is a macro; write the five fields (minute hour day-of-month month day-of-week), like "0 3 * * *" for every day at 03:00`;
  if (parts.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i]!, FIELDS[i]!);
    if (problem !== null) return `${FIELDS[i]!.name} "${parts[i]}": ${problem}`;
  }
  return null;
}

function fieldProblem(field: string, spec: (typeof FIELDS)[number]): string | null {
  for (const item of field.split(",")) {
    if (item === "") return "an empty list item";
    const [range, step, ...extra] = item.split("/");
    if (extra.length > 0) return `"${item}" has more than one /`;
    if (step !== undefined && !/^\d+$/.test(step)) return `the step "${step}" is not a whole number`;
    if (step !== undefined && Number(step) === 0) return "a step of 0";
    if (range === "*") continue;
    const bounds = range!.split("-");
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = valueOf(bound, spec);
      if (value === null) return `"${bound}" is not a number${spec.names.length > 0 ? ` or a name (${spec.names[0]}..${spec.names.at(-1)})` : ""}`;
      if (value < spec.min || value > spec.max) return `${value} is outside ${spec.min}-${spec.max}`;
      values.push(value);
    }
    if (values.length === 2 && values[0]! > values[1]!) return `the range ${range} runs backwards`;
  }
  return null;
}

function valueOf(text: string, spec: (typeof FIELDS)[number]): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const index = (spec.names as readonly string[]).indexOf(text.toUpperCase());
  return index < 0 ? null : index + (spec.name === "month" ? 1 : 0);
}
