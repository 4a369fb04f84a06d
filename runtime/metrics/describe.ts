/** The DORA figures as lines of words (value, counts, band, note): the terminal and the run report both show these. */
import type { Band } from "./bands.ts";
import type { DoraFigures } from "./dora.ts";

export interface FigureLine {
  readonly metric: "deploymentFrequency" | "leadTime" | "changeFailureRate" | "timeToRestore";
  readonly label: string;
  /** `0.13/day`, `4.0 h`, `40%`; null: not enough data. */
  readonly value: string | null;
  /** The counts the value comes from. */
  readonly counts: string;
  readonly band: Band | null;
  readonly note: string | null;
}

export function describeFigures(f: DoraFigures): FigureLine[] {
  const { deploymentFrequency: df, leadTime: lt, changeFailureRate: cfr, timeToRestore: ttr } = f;
  return [
    {
      metric: "deploymentFrequency",
      label: "deployment frequency",
      value: df.perDay === null ? null : formatRate(df.perDay),
      counts: `${df.deployments} promoted rollout(s) in ${formatDays(df.days)}`,
      band: df.band,
      note: df.note,
    },
    { metric: "leadTime", label: "lead time for changes", value: lt.medianMs === null ? null : `${formatSpan(lt.medianMs)} median`, counts: `${lt.changes} change(s): commit author time to promotion`, band: lt.band, note: lt.note },
    {
      metric: "changeFailureRate",
      label: "change failure rate",
      value: cfr.rate === null ? null : `${Math.round(cfr.rate * 1000) / 10}%`,
      counts: `${cfr.failed + cfr.undone} of ${cfr.deployments} rollout(s): ${cfr.failed} failed or rolled back, ${cfr.undone} undone after promotion`,
      band: cfr.band,
      note: cfr.note,
    },
    { metric: "timeToRestore", label: "time to restore", value: ttr.medianMs === null ? null : `${formatSpan(ttr.medianMs)} median`, counts: `${ttr.restored} of ${ttr.failures} failure(s) restored by a healthy promotion`, band: ttr.band, note: ttr.note },
  ];
}

/** `2.5/day`, `3.0/week`, `0.8/month`: the largest unit in which the rate is at least 1 (per month below that). */
export function formatRate(perDay: number): string {
  if (perDay >= 1) return `${round(perDay)}/day`;
  if (perDay * 7 >= 1) return `${round(perDay * 7)}/week`;
  return `${round(perDay * 30)}/month`;
}

/** `42 s`, `12 min`, `4.0 h`, `3.5 d`. */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

function formatDays(days: number): string {
  return days >= 1 ? `${round(days)} day(s)` : `${round(days * 24)} hour(s)`;
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 100) / 100);
}
