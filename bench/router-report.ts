/**
 * Pure parts of the router benchmark: latency percentiles, the load generators' reports (wrk's Lua
 * `done` line, the node generator's JSON), medians over interleaved runs, the targets and the table.
 * No I/O here.
 */
import { selfTimeBy, type CpuProfile } from "./artifact-report.ts";
import type { Check } from "./report.ts";
import { medianOf } from "./run-events.ts";
import type { RatioCheck } from "./run-report.ts";

/** The issue's targets for the builtin router, against direct connections to an upstream. */
export const ROUTER_TARGETS = {
  /** builtin rps / direct rps, at least. */
  rpsRatio: 0.7,
  /** builtin p50 − direct p50, ms, strictly under. */
  addedP50Ms: 1,
} as const;

/**
 * What the generator talks to: v1 directly, one of the two routers, or a floor: an L4 relay to v1
 * that parses nothing (`relay-node` in node, the builtin router's runtime; `relay-haproxy`, HAProxy
 * in `mode tcp`), the most any HTTP-aware proxy in that runtime could do on the machine.
 */
export type TargetKind = "direct" | "builtin" | "relay-node" | "haproxy" | "relay-haproxy";
export const TARGET_KINDS: readonly TargetKind[] = ["direct", "builtin", "relay-node", "haproxy", "relay-haproxy"];

/** Each router's floor: the relay in the same runtime. */
export const FLOOR_OF: Partial<Record<TargetKind, TargetKind>> = { builtin: "relay-node", haproxy: "relay-haproxy" };

export const isFloor = (kind: TargetKind): boolean => kind === "relay-node" || kind === "relay-haproxy";

/** One closed-loop load run against one target. */
export interface LoadResult {
  /** Completed responses (any status). */
  readonly requests: number;
  /** Connect, read, write errors and timeouts. */
  readonly errors: number;
  /** Responses with a status outside 2xx. */
  readonly non2xx: number;
  readonly durationMs: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The q-th percentile (0 < q ≤ 100) of ascending `sorted` values, nearest rank: the smallest value
 * with at least q% of the values at or below it. NaN for no values.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q > 0 && q <= 100)) throw new RangeError(`percentile ${q}: expected 0 < q ≤ 100`);
  const rank = Math.ceil((q / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** rps, p50 and p99 from per-request latencies (ms, any order; sorted in place) over `durationMs`. */
export function summarizeLatencies(latenciesMs: Float64Array, durationMs: number, counts: { readonly errors: number; readonly non2xx: number }): LoadResult {
  latenciesMs.sort();
  const requests = latenciesMs.length;
  return {
    requests,
    errors: counts.errors,
    non2xx: counts.non2xx,
    durationMs,
    rps: durationMs > 0 ? requests / (durationMs / 1000) : 0,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
  };
}

/**
 * The Lua script given to `wrk -s`: at the end, one JSON line with wrk's own counts and latency
 * percentiles (µs, per request, measured by wrk from write to complete response).
 */
export const WRK_DONE_SCRIPT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"wrk":1,"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50.0), latency:percentile(99.0)))
end
`;

const lastJsonLine = (stdout: string, what: string): Record<string, unknown> => {
  const line = stdout.split("\n").reverse().find((text) => text.trim().startsWith("{"));
  if (!line) throw new Error(`${what} printed no report: ${stdout.trim().slice(0, 200) || "(nothing)"}`);
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${what}'s report is not JSON: ${line.slice(0, 200)}`);
  }
};

const finite = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The LoadResult of a wrk run with WRK_DONE_SCRIPT. `status` counts responses ≥ 400 (wrk's own rule). */
export function parseWrkReport(stdout: string): LoadResult {
  const value = lastJsonLine(stdout, "wrk");
  const fields = ["requests", "durationUs", "connect", "read", "write", "status", "timeout", "p50Us", "p99Us"] as const;
  if (value.wrk !== 1 || !fields.every((field) => finite(value[field]))) throw new Error(`wrk's report is malformed: ${JSON.stringify(value).slice(0, 200)}`);
  const n = (field: (typeof fields)[number]) => value[field] as number;
  const durationMs = n("durationUs") / 1000;
  return {
    requests: n("requests"),
    errors: n("connect") + n("read") + n("write") + n("timeout"),
    non2xx: n("status"),
    durationMs,
    rps: durationMs > 0 ? n("requests") / (durationMs / 1000) : 0,
    p50Ms: n("p50Us") / 1000,
    p99Ms: n("p99Us") / 1000,
  };
}

/** The LoadResult the node generator (`--router-worker load`) prints as its last line. */
export function parseLoadReport(stdout: string): LoadResult {
  const value = lastJsonLine(stdout, "the load generator");
  const fields = ["requests", "errors", "non2xx", "durationMs", "rps", "p50Ms", "p99Ms"] as const;
  // p50/p99 are NaN (null in JSON) when nothing completed.
  const ok = fields.every((field) => finite(value[field]) || ((field === "p50Ms" || field === "p99Ms") && value[field] === null));
  if (!ok) throw new Error(`the load generator's report is malformed: ${JSON.stringify(value).slice(0, 200)}`);
  return Object.fromEntries(fields.map((field) => [field, value[field] === null ? Number.NaN : value[field]])) as unknown as LoadResult;
}

/** Medians of each figure over runs (each figure on its own: the median rps and the median p99 may come from different runs). */
export interface RunsSummary {
  readonly runs: number;
  readonly rps: number;
  /** The spread of rps over the runs. */
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Summed over runs. */
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

export function summarizeRuns(results: readonly LoadResult[]): RunsSummary {
  const sum = (pick: (result: LoadResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  return {
    runs: results.length,
    rps: medianOf(results.map((result) => result.rps)),
    rpsMin: Math.min(...results.map((result) => result.rps)),
    rpsMax: Math.max(...results.map((result) => result.rps)),
    p50Ms: medianOf(results.map((result) => result.p50Ms)),
    p99Ms: medianOf(results.map((result) => result.p99Ms)),
    requests: sum((result) => result.requests),
    errors: sum((result) => result.errors),
    non2xx: sum((result) => result.non2xx),
  };
}

/** Through-router rps as a share of direct rps, against a lower bound. Null when either is missing. */
export function rpsRatio(direct: number | null, routed: number | null, atLeast: number): RatioCheck | null {
  if (direct === null || routed === null || !(direct > 0) || !Number.isFinite(routed)) return null;
  const ratio = routed / direct;
  return { ratio, pass: ratio >= atLeast };
}

/** Added latency (routed − direct) against a strict upper bound; `ratio` is added / bound. */
export function addedUnder(direct: number | null, routed: number | null, limitMs: number): (RatioCheck & { readonly addedMs: number }) | null {
  if (direct === null || routed === null || !Number.isFinite(direct) || !Number.isFinite(routed)) return null;
  const addedMs = routed - direct;
  return { ratio: addedMs / limitMs, pass: addedMs < limitMs, addedMs };
}

/** CPU time over wall time, in percent of one core, from /proc/PID/stat tick counts. */
export function procCpuTicks(stat: string): number | null {
  // The command name (field 2) may hold spaces and parentheses: fields restart after the last ")".
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** Machine-wide CPU ticks from /proc/stat's first line: busy (all but idle and iowait) and total. */
export function procStatCpu(stat: string): { readonly busy: number; readonly total: number } | null {
  const line = stat.split("\n").find((text) => /^cpu\s/.test(text));
  if (!line) return null;
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (values.length < 5 || !values.every(Number.isFinite)) return null;
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = values[3]! + values[4]!;
  return { busy: total - idle, total };
}

/**
 * CPU used by everything but the benchmark's own processes during a run, in percent of one core:
 * the machine's busy share times its cores, less what the measured processes used. Null when the
 * machine figure is missing.
 */
export function otherCpuPercent(
  before: { readonly busy: number; readonly total: number } | null,
  after: { readonly busy: number; readonly total: number } | null,
  cores: number,
  ours: readonly (number | null)[],
): number | null {
  if (before === null || after === null || !(after.total > before.total)) return null;
  const machine = ((after.busy - before.busy) / (after.total - before.total)) * cores * 100;
  return Math.max(0, machine - ours.reduce<number>((sum, value) => sum + (value ?? 0), 0));
}

export const cpuPercent = (ticks: number, ticksPerSecond: number, wallMs: number): number => (wallMs > 0 ? (ticks / ticksPerSecond / (wallMs / 1000)) * 100 : Number.NaN);

/** GNU time's `-f "%e %U %S"` line: CPU percent of one core over the elapsed time. */
export function gnuTimeCpuPercent(text: string): number | null {
  const line = text.trim().split("\n").pop() ?? "";
  const [elapsed, user, system] = line.trim().split(/\s+/).map(Number);
  if (!finite(elapsed) || !finite(user) || !finite(system) || elapsed <= 0) return null;
  return ((user + system) / elapsed) * 100;
}

/** Share of requests that reached the second upstream (v2), from the upstreams' counters before and after a run. */
export function splitShare(before: readonly [number, number], after: readonly [number, number]): number | null {
  const v1 = after[0] - before[0];
  const v2 = after[1] - before[1];
  return v1 + v2 > 0 ? v2 / (v1 + v2) : null;
}

/** One table row: a target at a connection count. */
export interface RouterRow {
  readonly connections: number;
  readonly target: TargetKind;
  /** Null when the target could not run or its figures are INVALID; `note` says why. */
  readonly summary: RunsSummary | null;
  readonly note?: string;
  /** Set when a run's guard failed (guards/router-guard.ts): errors, non-2xx answers, or a split off the weights. */
  readonly invalid?: string;
  /** Median CPU percent (of one core) over the runs: generator, router, upstreams, and everything else on the machine. */
  readonly cpu?: { readonly generator: number | null; readonly router: number | null; readonly upstreams: number | null; readonly other: number | null };
  /** Median v2 share over the runs (routers only). */
  readonly v2Share?: number | null;
}

const LABELS: Record<TargetKind, string> = {
  direct: "direct (generator → upstream v1)",
  builtin: "builtin router (90/10)",
  "relay-node": "floor: node `net` relay (L4, → v1)",
  haproxy: "HAProxy router (90/10)",
  "relay-haproxy": "floor: HAProxy `mode tcp` relay (L4, → v1)",
};

/** The sentence under the table that says what the floor rows are for. */
export const FLOOR_NOTE =
  "The floor rows are relays that parse nothing (one upstream connection per client connection, bytes copied both ways): the ceiling for any proxy here, HTTP-aware or not, so `vs floor` is the share of what is reachable in the router's own runtime; direct has one process fewer on 2 cores, which is why no proxy comes near 1.00x vs direct.";

const verdict = (pass: boolean): string => (pass ? "PASS" : "MISS");
const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const fmt = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const signed = (value: number): string => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(3)}`;
const fmtRatio = (value: number | null): string => (value === null ? "—" : `${value.toFixed(2)}x`);
const pct = (value: number | null | undefined): string => (value === null || value === undefined || !Number.isFinite(value) ? "?" : value.toFixed(0));

/**
 * CPU time a process spent per request, µs: its CPU percent of one core over the request rate. Less
 * sensitive than rps to other work on the machine (a process that gets less CPU serves fewer requests).
 */
export function usPerRequest(cpuPercent: number | null, rps: number): string {
  if (cpuPercent === null || !Number.isFinite(cpuPercent) || !(rps > 0)) return "?";
  return ((cpuPercent / 100) * 1e6 / rps).toFixed(1);
}

/** The summary of `target` at `connections`, if it ran. */
const summaryOf = (rows: readonly RouterRow[], connections: number, target: TargetKind): RunsSummary | null =>
  rows.find((row) => row.connections === connections && row.target === target)?.summary ?? null;

const directOf = (rows: readonly RouterRow[], connections: number): RunsSummary | null => summaryOf(rows, connections, "direct");

/** A router's rps over its floor's (the relay in its runtime) at the same connection count; null when either is missing. */
export function floorRatio(rows: readonly RouterRow[], connections: number, router: TargetKind): number | null {
  const floor = FLOOR_OF[router];
  const routed = summaryOf(rows, connections, router);
  const base = floor === undefined ? null : summaryOf(rows, connections, floor);
  return routed && base && base.rps > 0 && Number.isFinite(routed.rps) ? routed.rps / base.rps : null;
}

/** The builtin target cell: `≥ 0.70x PASS, +0.214 ms < 1 ms PASS`. */
export function builtinTargetCell(direct: RunsSummary | null, builtin: RunsSummary | null): string {
  const ratio = rpsRatio(direct?.rps ?? null, builtin?.rps ?? null, ROUTER_TARGETS.rpsRatio);
  const added = addedUnder(direct?.p50Ms ?? null, builtin?.p50Ms ?? null, ROUTER_TARGETS.addedP50Ms);
  const rps = ratio ? `≥ ${ROUTER_TARGETS.rpsRatio.toFixed(2)}x ${verdict(ratio.pass)}` : `≥ ${ROUTER_TARGETS.rpsRatio.toFixed(2)}x (not measured)`;
  const p50 = added ? `p50 < +${ROUTER_TARGETS.addedP50Ms} ms ${verdict(added.pass)}` : `p50 < +${ROUTER_TARGETS.addedP50Ms} ms (not measured)`;
  return `${rps}; ${p50}`;
}

export function renderRouterTable(rows: readonly RouterRow[]): string {
  const lines = [
    "| conns | target | rps (min–max) | vs direct | vs floor | p50 ms | p99 ms | added p50 ms | added p99 ms | v2 share | CPU % gen / router / upstreams / other | CPU µs per request: router / upstreams | target |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
  ];
  let last: number | undefined;
  for (const row of rows) {
    const first = row.connections !== last;
    last = row.connections;
    const conns = first ? String(row.connections) : "";
    if (row.summary === null) {
      lines.push(`| ${conns} | ${LABELS[row.target]} | ${cell(row.note ?? "n/a")} | | | | | | | | | | |`);
      continue;
    }
    const s = row.summary;
    const direct = row.target === "direct" ? null : directOf(rows, row.connections);
    const ratio = direct && direct.rps > 0 ? `${(s.rps / direct.rps).toFixed(2)}x` : row.target === "direct" ? "1.00x" : "—";
    const added = (pick: (summary: RunsSummary) => number) => (direct ? signed(pick(s) - pick(direct)) : row.target === "direct" ? "0" : "—");
    const cpu = row.cpu ? `${pct(row.cpu.generator)} / ${row.target === "direct" ? "—" : pct(row.cpu.router)} / ${pct(row.cpu.upstreams)} / ${pct(row.cpu.other)}` : "";
    const floor = FLOOR_OF[row.target] === undefined ? "" : fmtRatio(floorRatio(rows, row.connections, row.target));
    const share = row.target === "direct" || isFloor(row.target) ? "" : row.v2Share === null || row.v2Share === undefined ? "—" : `${(row.v2Share * 100).toFixed(1)}%`;
    const target = row.target === "builtin" ? builtinTargetCell(directOf(rows, row.connections), s) : "";
    const perRequest = row.cpu ? `${row.target === "direct" ? "—" : usPerRequest(row.cpu.router, s.rps)} / ${usPerRequest(row.cpu.upstreams, s.rps)}` : "";
    const rps = s.runs > 1 ? `${fmt(s.rps, 0)} (${fmt(s.rpsMin, 0)}–${fmt(s.rpsMax, 0)})` : fmt(s.rps, 0);
    const failures = s.errors + s.non2xx > 0 ? ` (${s.errors} errors, ${s.non2xx} non-2xx)` : "";
    lines.push(
      `| ${conns} | ${LABELS[row.target]}${cell(failures)} | ${rps} | ${ratio} | ${floor} | ${fmt(s.p50Ms, 3)} | ${fmt(s.p99Ms, 3)} | ${added((x) => x.p50Ms)} | ${added((x) => x.p99Ms)} | ${share} | ${cpu} | ${perRequest} | ${cell(target)} |`,
    );
  }
  return lines.join("\n");
}

/** The builtin router's checks at each connection count, for the list under the table. */
export function routerChecks(rows: readonly RouterRow[]): Check[] {
  const checks: Check[] = [];
  const counts = [...new Set(rows.map((row) => row.connections))];
  for (const connections of counts) {
    const rowOf = (target: TargetKind) => rows.find((row) => row.connections === connections && row.target === target);
    const direct = directOf(rows, connections);
    const builtin = rowOf("builtin")?.summary ?? null;
    const ratio = rpsRatio(direct?.rps ?? null, builtin?.rps ?? null, ROUTER_TARGETS.rpsRatio);
    const added = addedUnder(direct?.p50Ms ?? null, builtin?.p50Ms ?? null, ROUTER_TARGETS.addedP50Ms);
    // The builtin router's checks compare it with direct: either side INVALID makes them INVALID.
    const invalidPair = rowOf("builtin")?.invalid ?? rowOf("direct")?.invalid;
    const flag = invalidPair === undefined ? {} : { invalid: invalidPair };
    checks.push(
      {
        what: `${connections} connections: builtin router rps / direct rps`,
        value: ratio ? `${fmt(builtin!.rps, 0)} / ${fmt(direct!.rps, 0)} = ${ratio.ratio.toFixed(2)}x` : "not measured",
        target: `≥ ${ROUTER_TARGETS.rpsRatio.toFixed(2)}x`,
        pass: ratio ? ratio.pass : null,
        ...flag,
      },
      {
        what: `${connections} connections: builtin router added p50`,
        value: added ? `${fmt(builtin!.p50Ms, 3)} − ${fmt(direct!.p50Ms, 3)} = ${signed(added.addedMs)} ms` : "not measured",
        target: `< ${ROUTER_TARGETS.addedP50Ms} ms`,
        pass: added ? added.pass : null,
        ...flag,
      },
    );
    const nodeFloor = floorRatio(rows, connections, "builtin");
    const haproxy = summaryOf(rows, connections, "haproxy");
    const ofHaproxy = builtin && haproxy && haproxy.rps > 0 ? builtin.rps / haproxy.rps : null;
    const floorRps = summaryOf(rows, connections, "relay-node")?.rps;
    checks.push({
      what: `${connections} connections: builtin router against the floor`,
      value:
        `builtin reaches ${fmtRatio(nodeFloor)} of the node relay floor${nodeFloor === null ? "" : ` (${fmt(builtin!.rps, 0)} / ${fmt(floorRps!, 0)} rps)`}` +
        ` and ${fmtRatio(ofHaproxy)} of HAProxy http${ofHaproxy === null ? "" : ` (${fmt(builtin!.rps, 0)} / ${fmt(haproxy!.rps, 0)} rps)`}`,
      target: "",
      pass: null,
    });
    for (const row of rows.filter((row) => row.connections === connections && row.invalid !== undefined)) {
      checks.push({ what: `${connections} connections: ${LABELS[row.target]}`, value: "", target: "", pass: null, invalid: row.invalid! });
    }
  }
  return checks;
}

/** Self time by where the code lives: node's own modules by name, the router's files, V8's pseudo-frames. */
export function summarizeProfileByModule(profile: CpuProfile, top = 10): readonly { readonly module: string; readonly share: number }[] {
  const { totalUs, byKey } = selfTimeBy(profile, (node) => moduleOf(node.callFrame.url, node.callFrame.functionName));
  return [...byKey]
    .map(([module, us]) => ({ module, share: totalUs > 0 ? us / totalUs : 0 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, top);
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return url;
  const path = url.replace(/^file:\/\//, "");
  return path.split("/").slice(-2).join("/");
}
