/**
 * Pure parts of the artifacts benchmark: the targets and their checks, the job-cache events of a
 * `pipec run --json`, a CPU profile's self-time summary and `df` output. No I/O here.
 */
import type { RatioCheck } from "./run-report.ts";

/** The targets. */
export const ARTIFACT_TARGETS = {
  /** floor time / pipec time, at least. */
  throughputRatio: 0.7,
  /** Peak RSS above the idle worker's, MB. */
  memoryAboveIdleMb: 100,
  /** A fully cached re-run, beyond process start, ms. */
  cachedRerunMs: 1000,
} as const;

/**
 * Throughput of pipec as a share of the floor's: `floorMs / pipecMs` (the same bytes, so the ratio of
 * times is the ratio of throughputs), against a lower bound. Null when either side is missing.
 */
export function throughputRatio(floorMs: number | null, pipecMs: number | null, atLeast: number): RatioCheck | null {
  if (floorMs === null || pipecMs === null || !(pipecMs > 0) || !Number.isFinite(floorMs)) return null;
  const ratio = floorMs / pipecMs;
  return { ratio, pass: ratio >= atLeast };
}

/** A value against an upper bound, as a RatioCheck (`ratio` is value / bound). */
export function underLimit(value: number | null, limit: number): RatioCheck | null {
  if (value === null || !Number.isFinite(value)) return null;
  return { ratio: value / limit, pass: value < limit };
}

/** MB/s (10^6 bytes) for `bytes` in `ms`. */
export const mbPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

/** `1.07 GB`, `92.3 MB`: decimal units, as throughput is quoted. */
export function bytesLabel(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

export interface CacheSummary {
  /** job.cache events seen. */
  readonly events: number;
  readonly hits: number;
  /** The jobs that missed, with what changed by pipec's account. */
  readonly misses: readonly { readonly job: string; readonly changed: readonly string[] }[];
  /** step.started events: steps that ran (a cache hit runs none). */
  readonly steps: number;
}

/** Counts `job.cache` events (`{ job, hit, key, changed }`) in `pipec run --json` output. */
export function cacheSummary(stdout: string): CacheSummary {
  let events = 0;
  let hits = 0;
  let steps = 0;
  const misses: { job: string; changed: string[] }[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let event: { type?: unknown; job?: unknown; hit?: unknown; changed?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue;
    }
    if (event.type === "step.started") steps++;
    if (event.type !== "job.cache") continue;
    events++;
    if (event.hit === true) hits++;
    else misses.push({ job: String(event.job), changed: Array.isArray(event.changed) ? event.changed.map(String) : [] });
  }
  return { events, hits, misses, steps };
}

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** The parts of a V8 `.cpuprofile` (`node --cpu-prof`) that self time needs. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** µs before each sample. */
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  /** `functionName file:line`, or V8's `(idle)`, `(program)`, `(garbage collector)`. */
  readonly name: string;
  readonly selfMs: number;
  /** Of the profile's whole span. */
  readonly share: number;
}

const frameName = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || "(anonymous)";
  const file = url.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
  return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
};

/** Self time (µs) added up by `keyOf` each sampled node, and the total. */
export function selfTimeBy(profile: CpuProfile, keyOf: (node: ProfileNode) => string): { readonly totalUs: number; readonly byKey: ReadonlyMap<string, number> } {
  const keys = new Map(profile.nodes.map((node) => [node.id, keyOf(node)]));
  const byKey = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const key = keys.get(id) ?? "(unknown)";
    byKey.set(key, (byKey.get(key) ?? 0) + us);
  });
  return { totalUs, byKey };
}

/** Self time by function (nodes of the same name added up), largest first. */
export function summarizeCpuProfile(profile: CpuProfile, top = 8): { readonly totalMs: number; readonly entries: readonly ProfileEntry[] } {
  const { totalUs, byKey } = selfTimeBy(profile, frameName);
  const entries = [...byKey]
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { totalMs: totalUs / 1000, entries };
}

export const profileLine = (summary: ReturnType<typeof summarizeCpuProfile>): string =>
  summary.entries.map((entry) => `${entry.name} ${(entry.share * 100).toFixed(0)}%`).join(", ");

/** The file system (first column) of `df -P PATH`'s data line, or null. */
export function dfFilesystem(text: string): { readonly filesystem: string; readonly mountedOn: string } | null {
  const line = text.split("\n").slice(1).find((row) => row.trim());
  if (!line) return null;
  const fields = line.trim().split(/\s+/);
  if (fields.length < 6) return null;
  return { filesystem: fields[0]!, mountedOn: fields.slice(5).join(" ") };
}
