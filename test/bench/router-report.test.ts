import { describe, expect, it } from "vitest";
import type { CpuProfile } from "../../bench/artifact-report.ts";
import {
  ROUTER_TARGETS,
  WRK_DONE_SCRIPT,
  addedUnder,
  builtinTargetCell,
  cpuPercent,
  floorRatio,
  gnuTimeCpuPercent,
  otherCpuPercent,
  parseLoadReport,
  parseWrkReport,
  percentile,
  procCpuTicks,
  procStatCpu,
  renderRouterTable,
  routerChecks,
  rpsRatio,
  splitShare,
  summarizeLatencies,
  summarizeProfileByModule,
  summarizeRuns,
  usPerRequest,
  type LoadResult,
  type RouterRow,
  type RunsSummary,
} from "../../bench/router-report.ts";

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(values, 11)).toBe(2);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it("of 1000 values: p50 is the 500th, p99 the 990th", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(500);
    expect(percentile(values, 99)).toBe(990);
  });

  it("is NaN for no values and refuses q outside (0, 100]", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("summarizeLatencies", () => {
  it("sorts the latencies and gives rps over the duration", () => {
    const latencies = Float64Array.from([0.3, 0.1, 0.2, 5, 0.15]);
    const result = summarizeLatencies(latencies, 500, { errors: 1, non2xx: 2 });
    expect(result).toEqual({ requests: 5, errors: 1, non2xx: 2, durationMs: 500, rps: 10, p50Ms: 0.2, p99Ms: 5 });
  });

  it("gives NaN percentiles and 0 rps when nothing completed", () => {
    const result = summarizeLatencies(new Float64Array(0), 0, { errors: 4, non2xx: 0 });
    expect(result.rps).toBe(0);
    expect(result.p50Ms).toBeNaN();
  });
});

describe("generator reports", () => {
  it("reads wrk's done line: µs to ms, errors summed, status errors as non-2xx", () => {
    const stdout = [
      "Running 5s test @ http://127.0.0.1:1234/",
      '{"wrk":1,"requests":100000,"durationUs":5000000,"connect":0,"read":1,"write":0,"status":3,"timeout":2,"p50Us":250,"p99Us":1200}',
    ].join("\n");
    expect(parseWrkReport(stdout)).toEqual({ requests: 100_000, errors: 3, non2xx: 3, durationMs: 5000, rps: 20_000, p50Ms: 0.25, p99Ms: 1.2 });
  });

  it("refuses wrk output without the done line or with a missing field", () => {
    expect(() => parseWrkReport("Requests/sec: 100\n")).toThrow(/no report/);
    expect(() => parseWrkReport('{"wrk":1,"requests":1}')).toThrow(/malformed/);
    expect(() => parseWrkReport("{not json")).toThrow(/not JSON/);
  });

  it("the wrk script prints the fields parseWrkReport reads", () => {
    for (const field of ["requests", "durationUs", "connect", "read", "write", "status", "timeout", "p50Us", "p99Us"]) expect(WRK_DONE_SCRIPT).toContain(`"${field}":%d`);
    expect(WRK_DONE_SCRIPT).toMatch(/^done = function\(summary, latency, requests\)/);
  });

  it("reads the node generator's line, NaN percentiles included", () => {
    const result: LoadResult = { requests: 10, errors: 0, non2xx: 0, durationMs: 1000, rps: 10, p50Ms: 0.2, p99Ms: 0.9 };
    expect(parseLoadReport(`${JSON.stringify(result)}\n`)).toEqual(result);
    const none = parseLoadReport(JSON.stringify({ ...result, requests: 0, rps: 0, p50Ms: Number.NaN, p99Ms: Number.NaN }));
    expect(none.p50Ms).toBeNaN();
    expect(() => parseLoadReport(JSON.stringify({ ...result, rps: "fast" }))).toThrow(/malformed/);
  });
});

describe("runs, ratios and CPU", () => {
  const run = (rps: number, p50Ms: number, p99Ms: number, errors = 0): LoadResult => ({ requests: rps * 5, errors, non2xx: 0, durationMs: 5000, rps, p50Ms, p99Ms });

  it("takes each figure's median on its own and sums the counts", () => {
    const summary = summarizeRuns([run(100, 0.3, 2), run(300, 0.1, 9, 1), run(200, 0.2, 1)]);
    expect(summary).toEqual({ runs: 3, rps: 200, rpsMin: 100, rpsMax: 300, p50Ms: 0.2, p99Ms: 2, requests: 3000, errors: 1, non2xx: 0 });
  });

  it("checks the rps ratio (at least) and the added latency (strictly under)", () => {
    expect(rpsRatio(1000, 700, 0.7)).toEqual({ ratio: 0.7, pass: true });
    expect(rpsRatio(1000, 699, 0.7)?.pass).toBe(false);
    expect(rpsRatio(0, 10, 0.7)).toBeNull();
    expect(rpsRatio(null, 10, 0.7)).toBeNull();
    expect(addedUnder(0.25, 0.75, 1)).toEqual({ ratio: 0.5, pass: true, addedMs: 0.5 });
    expect(addedUnder(0.2, 1.2, 1)?.pass).toBe(false);
    expect(addedUnder(0.2, Number.NaN, 1)).toBeNull();
    expect(ROUTER_TARGETS).toEqual({ rpsRatio: 0.7, addedP50Ms: 1 });
  });

  it("reads utime + stime from /proc/PID/stat, even with spaces and parentheses in the name", () => {
    const stat = "1234 (node (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 12345 1000000 5000";
    expect(procCpuTicks(stat)).toBe(300);
    expect(procCpuTicks("garbage")).toBeNull();
    expect(cpuPercent(300, 100, 5000)).toBe(60);
  });

  it("reads the machine's busy and total ticks and what others used", () => {
    const before = procStatCpu("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n");
    expect(before).toEqual({ busy: 150, total: 1000 });
    const after = { busy: 150 + 180, total: 1000 + 200 }; // 90% of 2 cores busy = 180% of one core
    expect(otherCpuPercent(before, after, 2, [60, 40, null])).toBeCloseTo(80, 6);
    expect(otherCpuPercent(before, after, 2, [150, 60])).toBe(0);
    expect(otherCpuPercent(null, after, 2, [])).toBeNull();
    expect(procStatCpu("intr 1 2 3")).toBeNull();
  });

  it("reads GNU time's elapsed, user and system seconds", () => {
    expect(gnuTimeCpuPercent("5.00 1.50 1.00\n")).toBe(50);
    expect(gnuTimeCpuPercent("Command exited with non-zero status 1\n5.00 1.00 0.00")).toBe(20);
    expect(gnuTimeCpuPercent("")).toBeNull();
  });

  it("gives CPU µs per request from a CPU percent and the rate", () => {
    expect(usPerRequest(100, 25_000)).toBe("40.0");
    expect(usPerRequest(null, 25_000)).toBe("?");
    expect(usPerRequest(50, 0)).toBe("?");
  });

  it("gives the v2 share from the upstream counters", () => {
    expect(splitShare([100, 10], [1000, 110])).toBe(0.1);
    expect(splitShare([5, 5], [5, 5])).toBeNull();
  });
});

describe("the router table and checks", () => {
  const summary = (rps: number, p50Ms: number, p99Ms: number, errors = 0): RunsSummary => ({ runs: 3, rps, rpsMin: rps - 1000, rpsMax: rps + 500, p50Ms, p99Ms, requests: rps * 15, errors, non2xx: 0 });
  const cpu = { generator: 40, router: 95, upstreams: 30, other: 5 };
  const rows: RouterRow[] = [
    { connections: 4, target: "direct", summary: summary(40_000, 0.1, 0.5), cpu: { ...cpu, router: null } },
    { connections: 4, target: "builtin", summary: summary(30_000, 0.3, 1.5), cpu, v2Share: 0.1 },
    { connections: 4, target: "relay-node", summary: summary(32_000, 0.2, 1), cpu: { ...cpu, router: 64 } },
    { connections: 4, target: "haproxy", summary: null, note: "haproxy unavailable: apt-get failed | exit 100" },
    { connections: 4, target: "relay-haproxy", summary: null, note: "haproxy unavailable: apt-get failed | exit 100" },
    { connections: 16, target: "direct", summary: summary(50_000, 0.3, 1) },
    { connections: 16, target: "builtin", summary: summary(20_000, 1.5, 4, 2), v2Share: 0.099 },
    { connections: 16, target: "relay-node", summary: summary(25_000, 0.6, 2) },
    { connections: 16, target: "haproxy", summary: summary(40_000, 0.4, 1.2), v2Share: 0.1 },
    { connections: 16, target: "relay-haproxy", summary: summary(32_000, 0.5, 1.5) },
    { connections: 32, target: "direct", summary: summary(50_000, 0.3, 1) },
    { connections: 32, target: "builtin", summary: null, note: "INVALID: round 1 of 3: 12 of 900 responses were not 2xx", invalid: "round 1 of 3: 12 of 900 responses were not 2xx" },
    { connections: 32, target: "relay-node", summary: null, note: "INVALID: round 2 of 3: 4 requests reached v2, which this target must not reach", invalid: "round 2 of 3: 4 requests reached v2, which this target must not reach" },
  ];

  it("renders ratios against direct and each router's floor, and added latency, at the same connection count", () => {
    const table = renderRouterTable(rows).split("\n");
    expect(table[0]).toBe(
      "| conns | target | rps (min–max) | vs direct | vs floor | p50 ms | p99 ms | added p50 ms | added p99 ms | v2 share | CPU % gen / router / upstreams / other | CPU µs per request: router / upstreams | target |",
    );
    expect(table[1]!.split("|").length).toBe(table[0]!.split("|").length);
    expect(table[2]).toBe("| 4 | direct (generator → upstream v1) | 40000 (39000–40500) | 1.00x |  | 0.100 | 0.500 | 0 | 0 |  | 40 / — / 30 / 5 | — / 7.5 |  |");
    expect(table[3]).toBe("|  | builtin router (90/10) | 30000 (29000–30500) | 0.75x | 0.94x | 0.300 | 1.500 | +0.200 | +1.000 | 10.0% | 40 / 95 / 30 / 5 | 31.7 / 10.0 | ≥ 0.70x PASS; p50 < +1 ms PASS |");
    expect(table[4]).toBe("|  | floor: node `net` relay (L4, → v1) | 32000 (31000–32500) | 0.80x |  | 0.200 | 1.000 | +0.100 | +0.500 |  | 40 / 64 / 30 / 5 | 20.0 / 9.4 |  |");
    expect(table[5]).toBe("|  | HAProxy router (90/10) | haproxy unavailable: apt-get failed \\| exit 100 | | | | | | | | | | |");
    expect(table[6]).toBe("|  | floor: HAProxy `mode tcp` relay (L4, → v1) | haproxy unavailable: apt-get failed \\| exit 100 | | | | | | | | | | |");
    for (const line of table.slice(2)) expect(line.split(/(?<!\\)\|/).length).toBe(table[0]!.split("|").length);
    expect(table[7]).toContain("| 16 | direct");
    expect(table[8]).toBe("|  | builtin router (90/10) (2 errors, 0 non-2xx) | 20000 (19000–20500) | 0.40x | 0.80x | 1.500 | 4.000 | +1.200 | +3.000 | 9.9% |  |  | ≥ 0.70x MISS; p50 < +1 ms MISS |");
    expect(table[10]).toBe("|  | HAProxy router (90/10) | 40000 (39000–40500) | 0.80x | 1.25x | 0.400 | 1.200 | +0.100 | +0.200 | 10.0% |  |  |  |");
    expect(table[11]).toBe("|  | floor: HAProxy `mode tcp` relay (L4, → v1) | 32000 (31000–32500) | 0.64x |  | 0.500 | 1.500 | +0.200 | +0.500 |  |  |  |  |");
  });

  it("divides a router's rps by its own runtime's relay, and gives null when either is missing", () => {
    expect(floorRatio(rows, 4, "builtin")).toBeCloseTo(30 / 32, 9);
    expect(floorRatio(rows, 16, "haproxy")).toBe(1.25);
    expect(floorRatio(rows, 4, "haproxy")).toBeNull();
    expect(floorRatio(rows, 4, "direct")).toBeNull();
    expect(floorRatio(rows, 8, "builtin")).toBeNull();
  });

  it("prints an INVALID target's reason in place of its figures", () => {
    const table = renderRouterTable(rows).split("\n");
    expect(table).toContain("|  | builtin router (90/10) | INVALID: round 1 of 3: 12 of 900 responses were not 2xx | | | | | | | | | | |");
  });

  it("checks the builtin router per connection count; an INVALID side makes its checks INVALID, and every INVALID target gets a line", () => {
    const checks = routerChecks(rows);
    expect(checks.map((check) => [check.what, check.pass])).toEqual([
      ["4 connections: builtin router rps / direct rps", true],
      ["4 connections: builtin router added p50", true],
      ["4 connections: builtin router against the floor", null],
      ["16 connections: builtin router rps / direct rps", false],
      ["16 connections: builtin router added p50", false],
      ["16 connections: builtin router against the floor", null],
      ["32 connections: builtin router rps / direct rps", null],
      ["32 connections: builtin router added p50", null],
      ["32 connections: builtin router against the floor", null],
      ["32 connections: builtin router (90/10)", null],
      ["32 connections: floor: node `net` relay (L4, → v1)", null],
    ]);
    expect(checks.filter((check) => check.invalid !== undefined).map((check) => check.invalid)).toEqual([
      "round 1 of 3: 12 of 900 responses were not 2xx",
      "round 1 of 3: 12 of 900 responses were not 2xx",
      "round 1 of 3: 12 of 900 responses were not 2xx",
      "round 2 of 3: 4 requests reached v2, which this target must not reach",
    ]);
    expect(checks[0]!.value).toBe("30000 / 40000 = 0.75x");
    expect(checks[2]!.value).toBe("builtin reaches 0.94x of the node relay floor (30000 / 32000 rps) and — of HAProxy http");
    expect(checks[4]!.value).toBe("1.500 − 0.300 = +1.200 ms");
    expect(checks[5]!.value).toBe("builtin reaches 0.80x of the node relay floor (20000 / 25000 rps) and 0.50x of HAProxy http (20000 / 40000 rps)");
  });

  it("says not measured when the builtin router or direct did not run", () => {
    expect(builtinTargetCell(null, summary(1, 1, 1))).toBe("≥ 0.70x (not measured); p50 < +1 ms (not measured)");
    const checks = routerChecks([{ connections: 4, target: "direct", summary: summary(1000, 0.1, 1) }, { connections: 4, target: "builtin", summary: null, note: "failed" }]);
    expect(checks.map((check) => [check.value, check.pass])).toEqual([
      ["not measured", null],
      ["not measured", null],
      ["builtin reaches — of the node relay floor and — of HAProxy http", null],
    ]);
  });
});

describe("summarizeProfileByModule", () => {
  it("adds self time up by module: node's by name, files by their last two path parts, V8's pseudo-frames as they are", () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
        { id: 2, callFrame: { functionName: "writev", url: "", lineNumber: -1 } },
        { id: 3, callFrame: { functionName: "socketOnData", url: "node:_http_client", lineNumber: 536 } },
        { id: 4, callFrame: { functionName: "parserOnIncoming", url: "node:_http_client", lineNumber: 600 } },
        { id: 5, callFrame: { functionName: "forward", url: "file:///work/main/dist/chunks/router-X.mjs", lineNumber: 9 } },
      ],
      samples: [1, 2, 3, 4, 5, 2],
      timeDeltas: [400, 100, 100, 100, 100, 200],
    };
    expect(summarizeProfileByModule(profile)).toEqual([
      { module: "(idle)", share: 0.4 },
      { module: "(native)", share: 0.3 },
      { module: "node:_http_client", share: 0.2 },
      { module: "chunks/router-X.mjs", share: 0.1 },
    ]);
  });
});
