/**
 * The router benchmark, in one run on 127.0.0.1: requests per second and p50/p99 latency through
 * pipec's builtin router and through HAProxy (both splitting 90/10 over two upstreams), against
 * direct connections to the upstream and against two floors, L4 relays to v1 that parse nothing (a
 * node `net` relay, HAProxy in `mode tcp`): the most any proxy in that runtime could do here. The
 * same load generator for all five.
 *
 * Processes, each with its own event loop:
 * - upstreams: `node dist/bench.mjs --router-worker upstreams` (two node:http servers, v1 and v2);
 * - builtin router: `node dist/bench.mjs --router-worker builtin V1PORT V2PORT`;
 * - HAProxy: started by createHaproxyRouter (its own process; this one only drives its admin socket);
 * - node relay floor: `node dist/bench.mjs --router-worker relay V1PORT`;
 * - HAProxy relay floor: `haproxy -db -f relay.cfg` (`mode tcp`, one server: v1), the same binary and
 *   the same global settings as createHaproxyRouter's (no nbthread: HAProxy's default, one thread per CPU);
 * - load generator: wrk (`-t1`, Debian's package, installed on first use) with a Lua `done` hook that
 *   prints its counts and percentiles as JSON, or, without wrk, `--router-worker load` (node).
 *
 * Per connection count: one untimed warm-up run per target but the floors, then `runs` rounds of
 * all five in turn (the floors' runs are shorter, see floorSeconds); each figure is the median over
 * the rounds. CPU per process is read from
 * /proc/PID/stat (router, upstreams) and GNU time (generator) around each run.
 * Every measured run is checked before it counts (guards/router-guard.ts): every response 2xx, no
 * connection error, the upstreams' counters agree with the generator's and the v2 share matches the
 * weights (none for direct and the relays). A target with a failed run prints as INVALID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort } from "../runtime/deploy/router/listen-address.ts";
import { profileLine, summarizeCpuProfile, type CpuProfile } from "./artifact-report.ts";
import type { BenchReport } from "./compiler-bench.ts";
import { CommandFailedError, ensureGnuTime, runCommand, summarize } from "./measure.ts";
import { renderChecks, type Check } from "./report.ts";
import {
  FLOOR_NOTE,
  ROUTER_TARGETS,
  WRK_DONE_SCRIPT,
  cpuPercent,
  gnuTimeCpuPercent,
  isFloor,
  parseLoadReport,
  parseWrkReport,
  otherCpuPercent,
  procCpuTicks,
  procStatCpu,
  renderRouterTable,
  routerChecks,
  rpsRatio,
  addedUnder,
  splitShare,
  summarizeProfileByModule,
  summarizeRuns,
  type LoadResult,
  type RouterRow,
  type TargetKind,
} from "./router-report.ts";
import { guardLoad, type SplitExpectation } from "./guards/router-guard.ts";
import { invalidText } from "./guards/verdict.ts";
import { medianOf } from "./run-events.ts";
import { ROUTER_WEIGHTS, routerWorkerArgs, type RouterWorkerCommand } from "./router-worker.ts";

export interface RouterBenchOptions {
  /** The repository root, holding `dist/bench.mjs` and `test/setup/haproxy.sh`. */
  readonly root: string;
  /** Measured rounds per connection count; figures are medians. @default 3 */
  readonly runs: number;
  /** Seconds per load run (whole seconds: wrk's -d). @default 5 */
  readonly seconds: number;
  /**
   * Seconds per load run of the floors (the relays): their rps is steady within a second or two, and
   * five targets at `seconds` each would take the section past 150 s. @default min(seconds, 3)
   */
  readonly floorSeconds?: number;
  /** Keep-alive connections of the generator, one measurement each. @default [4, 16] */
  readonly connections: readonly number[];
  /** "wrk" (installed from Debian when missing; node when that fails) or "node". @default "wrk" */
  readonly generator: "wrk" | "node";
  /** Profile the builtin router (`--cpu-prof`) even when it meets its targets. @default false */
  readonly profile: boolean;
  readonly log: (line: string) => void;
}

const GNU_TIME = "/usr/bin/time";
const WARMUP_SECONDS = 1;

interface Worker {
  readonly pid: number;
  /** The worker's first JSON line. */
  readonly hello: Record<string, unknown>;
  stop(): Promise<void>;
}

interface Target {
  readonly kind: TargetKind;
  readonly url: string;
  /** The router's (or relay's) pid, for its CPU time; null for direct. */
  readonly pid: number | null;
}

type Planned = Target | { readonly kind: TargetKind; readonly unavailable: string };

interface Generator {
  readonly kind: "wrk" | "node";
  readonly version: string;
  /** Why wrk is not used, when it is not. */
  readonly why?: string;
}

interface Context {
  readonly options: RouterBenchOptions;
  readonly node: string;
  readonly bench: string;
  readonly scratch: string;
  readonly generator: Generator;
  readonly wrkScript: string;
  readonly ticksPerSecond: number;
  readonly v1Port: number;
  readonly upstreamsPid: number;
}

interface Measured {
  readonly result: LoadResult;
  /** Requests v1 and v2 served during the run, from their counters; null when unreadable. */
  readonly served: readonly [number, number] | null;
  readonly cpu: { readonly generator: number | null; readonly router: number | null; readonly upstreams: number | null; readonly other: number | null };
  readonly v2Share: number | null;
}

export async function runRouterBench(options: RouterBenchOptions): Promise<BenchReport> {
  const title = "## pipec router benchmark";
  const bench = join(options.root, "dist", "bench.mjs");
  if (!existsSync(bench)) return { ok: false, markdown: `${title}\n\n${bench} is missing: run \`node scripts/build.mjs\` first (npm run bench does).\n` };
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  ensureGnuTime();
  const generator = options.generator === "wrk" ? ensureWrk() : { kind: "node" as const, version: `node ${process.version}`, why: "PIPEC_BENCH_ROUTER_GENERATOR=node" };
  options.log(`router bench: load generator ${generator.version}${generator.why ? ` (${generator.why})` : ""}`);
  const haproxy = ensureHaproxy(options.root, options.log);
  const floorSeconds = Math.max(1, Math.round(options.floorSeconds ?? Math.min(options.seconds, 3)));
  const secondsOf = (kind: TargetKind): number => (isFloor(kind) ? floorSeconds : options.seconds);

  const base = join(options.root, ".pipec", "bench-tmp");
  await mkdir(base, { recursive: true });
  const scratch = await mkdtemp(join(base, "router-"));
  const wrkScript = join(scratch, "done.lua");
  await writeFile(wrkScript, WRK_DONE_SCRIPT);
  const rows: RouterRow[] = [];
  const notes: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  let ok = true;
  let haproxyNote = haproxy.ok ? haproxy.version : `unavailable: ${haproxy.reason}`;
  const haproxyThreads: { http?: number | null; tcp?: number | null } = {};
  try {
    const node = process.execPath;
    const upstreams = await startWorker(node, bench, { op: "upstreams" }, options.root);
    stops.push(upstreams.stop);
    const ports = upstreams.hello.ports as [number, number];
    const context: Context = { options, node, bench, scratch, generator, wrkScript, ticksPerSecond: clockTicks(), v1Port: ports[0], upstreamsPid: upstreams.pid };

    const targets: Planned[] = [{ kind: "direct", url: `http://127.0.0.1:${ports[0]}/`, pid: null }];
    try {
      const builtin = await startWorker(node, bench, { op: "builtin", ports }, options.root);
      stops.push(builtin.stop);
      targets.push({ kind: "builtin", url: `http://${String(builtin.hello.listen)}/`, pid: builtin.pid });
    } catch (error) {
      targets.push({ kind: "builtin", unavailable: `builtin router failed to start: ${reason(error)}` });
    }
    try {
      const relay = await startWorker(node, bench, { op: "relay", port: ports[0] }, options.root);
      stops.push(relay.stop);
      targets.push({ kind: "relay-node", url: `http://${String(relay.hello.listen)}/`, pid: relay.pid });
    } catch (error) {
      targets.push({ kind: "relay-node", unavailable: `node relay failed to start: ${reason(error)}` });
    }
    if (haproxy.ok) {
      try {
        const { createHaproxyRouter } = await import("../runtime/deploy/router/index.ts");
        // A fixed state dir: a haproxy left by a crashed bench is stopped when the next one starts.
        const stateDir = join(base, "router-haproxy");
        const router = await createHaproxyRouter({ listen: "127.0.0.1:0", stateDir });
        stops.push(async () => {
          await router.close();
          await rm(stateDir, { recursive: true, force: true });
        });
        await router.setInstances("v1", [{ id: "v1-0", host: "127.0.0.1", port: ports[0] }]);
        await router.setInstances("v2", [{ id: "v2-0", host: "127.0.0.1", port: ports[1] }]);
        await router.setWeights(ROUTER_WEIGHTS);
        const pid = await pidWithArgument(join(stateDir, "haproxy.cfg"));
        haproxyThreads.http = await threadCount(pid);
        targets.push({ kind: "haproxy", url: `http://${router.listen}/`, pid });
      } catch (error) {
        haproxyNote = `unavailable: ${reason(error)}`;
        targets.push({ kind: "haproxy", unavailable: `haproxy unavailable: ${reason(error)}` });
      }
      try {
        const relay = await startHaproxyRelay(scratch, ports[0]);
        stops.push(relay.stop);
        haproxyThreads.tcp = await threadCount(relay.pid);
        targets.push({ kind: "relay-haproxy", url: `http://${relay.listen}/`, pid: relay.pid });
      } catch (error) {
        targets.push({ kind: "relay-haproxy", unavailable: `haproxy (mode tcp) failed to start: ${reason(error)}` });
      }
    } else {
      targets.push({ kind: "haproxy", unavailable: `haproxy unavailable: ${haproxy.reason}` });
      targets.push({ kind: "relay-haproxy", unavailable: `haproxy unavailable: ${haproxy.reason}` });
    }
    const running = targets.filter((target): target is Target => "url" in target);

    for (const connections of options.connections) {
      options.log(`router bench: ${connections} connections: warm-up (${WARMUP_SECONDS} s per target but the floors)`);
      // The floors have no warm-up: HAProxy has no JIT, and the node relay's one hot function is
      // compiled within the first fraction of its first run.
      for (const target of running) if (!isFloor(target.kind)) await load(context, target, connections, WARMUP_SECONDS);
      const results = new Map<TargetKind, Measured[]>();
      const failures = new Map<TargetKind, string>();
      const invalids = new Map<TargetKind, string>();
      for (let round = 0; round < options.runs; round++) {
        for (const target of running) {
          if (failures.has(target.kind)) continue;
          try {
            const measured = await measureRun(context, target, connections, secondsOf(target.kind));
            const verdict = guardLoad({ result: measured.result, connections, served: measured.served }, splitOf(target.kind));
            if (!verdict.valid) {
              const why = `round ${round + 1} of ${options.runs}: ${verdict.reason}`;
              invalids.set(target.kind, why);
              failures.set(target.kind, invalidText(why));
            }
            results.set(target.kind, [...(results.get(target.kind) ?? []), measured]);
            const r = measured.result;
            options.log(
              `  round ${round + 1}/${options.runs} ${target.kind.padEnd(13)} ${r.rps.toFixed(0).padStart(6)} rps, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms` +
                `${r.errors + r.non2xx > 0 ? `, ${r.errors} errors, ${r.non2xx} non-2xx` : ""}; CPU gen ${fmtPct(measured.cpu.generator)}, router ${fmtPct(measured.cpu.router)}, upstreams ${fmtPct(measured.cpu.upstreams)}, other ${fmtPct(measured.cpu.other)}` +
                `${measured.v2Share === null || target.kind === "direct" || isFloor(target.kind) ? "" : `; v2 ${(measured.v2Share * 100).toFixed(1)}%`}`,
            );
          } catch (error) {
            failures.set(target.kind, `failed: ${reason(error)}`);
            options.log(`  round ${round + 1} ${target.kind}: ${reason(error)}`);
          }
        }
      }
      for (const target of targets) {
        if (!("url" in target)) {
          rows.push({ connections, target: target.kind, summary: null, note: target.unavailable });
          ok = false;
          continue;
        }
        const measured = results.get(target.kind) ?? [];
        const failure = failures.get(target.kind);
        if (failure !== undefined || measured.length === 0) {
          const invalid = invalids.get(target.kind);
          rows.push({ connections, target: target.kind, summary: null, note: failure ?? "no run completed", ...(invalid === undefined ? {} : { invalid }) });
          ok = false;
          continue;
        }
        const med = (pick: (m: Measured) => number | null): number | null => {
          const values = measured.map(pick).filter((value): value is number => value !== null && Number.isFinite(value));
          return values.length === 0 ? null : medianOf(values);
        };
        rows.push({
          connections,
          target: target.kind,
          summary: summarizeRuns(measured.map((m) => m.result)),
          cpu: { generator: med((m) => m.cpu.generator), router: med((m) => m.cpu.router), upstreams: med((m) => m.cpu.upstreams), other: med((m) => m.cpu.other) },
          ...(target.kind === "direct" || isFloor(target.kind) ? {} : { v2Share: med((m) => m.v2Share) }),
        });
      }
    }

    notes.push(...littleNotes(rows));
    const others = rows.map((row) => row.cpu?.other ?? null).filter((value): value is number => value !== null);
    if (others.length > 0 && Math.max(...others) >= 20) {
      notes.push(
        `Other work on the machine used up to ${Math.max(...others).toFixed(0)}% of a core during the runs (the "other" CPU figure; ${cpus().length} cores in all): every figure here, direct included, shares the CPUs with it, so ratios are steadier than absolute rps.`,
      );
    }
    const checks = routerChecks(rows);
    const missed = checks.some((check) => check.pass === false);
    const builtinRan = rows.some((row) => row.target === "builtin" && row.summary !== null);
    if (builtinRan && (missed || options.profile)) {
      notes.push(await profileBuiltin(context, ports, Math.max(...options.connections), missed ? "a target missed" : "PIPEC_BENCH_ROUTER_PROFILE=1"));
    }
    return finish(checks);
  } catch (error) {
    ok = false;
    notes.push(`the benchmark failed: ${reason(error)}`);
    return finish(routerChecks(rows));
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => options.log(`router bench: stopping: ${reason(error)}`));
    await rm(scratch, { recursive: true, force: true });
    await rmdir(base).catch(() => {});
  }

  function finish(checks: Check[]): BenchReport {
    const seconds = (performance.now() - started) / 1000;
    const threads = (count: number | null | undefined): string => (count === undefined || count === null ? "?" : String(count));
    const haproxyText = haproxy.ok && haproxyThreads.http !== undefined ? `${haproxyNote} (threads: ${threads(haproxyThreads.http)} in http mode, ${threads(haproxyThreads.tcp)} in tcp mode)` : haproxyNote;
    const load = `1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
    const generatorText =
      generator.kind === "wrk"
        ? `${generator.version}, one thread (\`wrk -t1 -cN -d${options.seconds}s\`, latency per request as wrk measures it, percentiles from wrk's own statistics)`
        : `the node generator (\`--router-worker load\`: raw keep-alive sockets, per-request latency with performance.now(), nearest-rank percentiles)${generator.why ? `; wrk not used: ${generator.why}` : ""}`;
    const markdown = [
      title,
      "",
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ${load}. HAProxy: ${haproxyText}.`,
      `All on 127.0.0.1, each in its own process: two node:http upstreams (v1, v2; one process, a 14-byte body), pipec's builtin router (\`--router-worker builtin\`), HAProxy (its defaults, as createHaproxyRouter configures it), the two floors (a node \`net\` relay, \`--router-worker relay\`, and HAProxy in \`mode tcp\` with one server, the same binary and global settings: relays to v1 that parse nothing), and the load generator: ${generatorText}. Both routers split ${ROUTER_WEIGHTS.v1}/${ROUTER_WEIGHTS.v2} over v1/v2; direct goes to v1 only. Closed loop: each of N keep-alive connections sends its next request when the previous response is complete, for ${options.seconds} s. One ${WARMUP_SECONDS} s warm-up per target but the floors, then ${options.runs} rounds of direct, builtin, node relay, haproxy, haproxy relay in turn (${floorSeconds} s per floor run); each figure is the median over the rounds. vs floor: a router's rps over the relay's in its own runtime (builtin over the node relay, HAProxy over HAProxy tcp). CPU %: of one core, used during the run by the generator, the router (builtin worker, relay or haproxy, all threads), the upstreams' process, and everything else on the machine (its /proc/stat busy time less those three; ${cpus().length} cores in all, shared by everything). v2 share: requests the v2 upstream served.`,
      "",
      renderRouterTable(rows),
      "",
      FLOOR_NOTE,
      "",
      "### Targets",
      "",
      renderChecks(checks),
      "",
      ...(notes.length > 0 ? ["### Where the time goes", "", ...notes.map((note) => `- ${note}`), ""] : []),
      `The router benchmark took ${seconds.toFixed(0)} s.`,
      "",
    ].join("\n");
    return { ok, markdown };
  }
}

const fmtPct = (value: number | null): string => (value === null || !Number.isFinite(value) ? "?" : `${value.toFixed(0)}%`);

const reason = (error: unknown): string =>
  error instanceof CommandFailedError ? `exit ${error.exitCode}: ${summarize(error.stderr)}` : summarize(error instanceof Error ? error.message : String(error));

/** wrk on PATH, installed from Debian once when missing and we are root; else the node generator. */
function ensureWrk(): Generator {
  const version = (): string | null => {
    const result = spawnSync("wrk", ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (result.error) return null;
    return `${result.stdout}${result.stderr}`.split("\n")[0]?.trim().split(" Copyright")[0] ?? "wrk";
  };
  let found = version();
  if (found === null && process.getuid?.() === 0) {
    spawnSync("sh", ["-c", "apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)"], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 180_000,
    });
    found = version();
  }
  if (found !== null) return { kind: "wrk", version: found };
  return { kind: "node", version: `node ${process.version}`, why: process.getuid?.() === 0 ? "`apt-get install wrk` failed" : "wrk is not installed (and installing it needs root)" };
}

/** haproxy on PATH or in /usr/sbin; else `bash test/setup/haproxy.sh`, and the reason when that fails. */
function ensureHaproxy(root: string, log: (line: string) => void): { readonly ok: true; readonly version: string } | { readonly ok: false; readonly reason: string } {
  const version = (): string | null => {
    for (const binary of ["haproxy", "/usr/sbin/haproxy"]) {
      const result = spawnSync(binary, ["-v"], { encoding: "utf8", timeout: 10_000 });
      if (!result.error && result.status === 0) return result.stdout.split("\n")[0]?.replace(/ - https?:\S+/, "").trim() ?? "haproxy";
    }
    return null;
  };
  const found = version();
  if (found !== null) return { ok: true, version: found };
  log("router bench: haproxy missing: bash test/setup/haproxy.sh");
  const setup = spawnSync("bash", [join(root, "test", "setup", "haproxy.sh")], { encoding: "utf8", timeout: 300_000, cwd: root });
  const after = version();
  if (after !== null) return { ok: true, version: after };
  const why = setup.error ? setup.error.message : `test/setup/haproxy.sh exited ${setup.status}: ${summarize(`${setup.stdout}\n${setup.stderr}`)}`;
  return { ok: false, reason: why };
}

function clockTicks(): number {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const value = Number.parseInt(result.stdout ?? "", 10);
  return value > 0 ? value : 100;
}

async function cpuTicks(pid: number | null): Promise<number | null> {
  if (pid === null) return null;
  try {
    return procCpuTicks(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

/** `[v1, v2]` requests the upstreams have served. */
function upstreamCounts(port: number): Promise<[number, number] | null> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/__counts", agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        try {
          const value = JSON.parse(body) as unknown;
          resolve(Array.isArray(value) && value.length === 2 ? [Number(value[0]), Number(value[1])] : null);
        } catch {
          resolve(null);
        }
      });
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(null));
  });
}

/** One load run against `target`; the generator's CPU percent comes from GNU time when it is there. */
async function load(context: Context, target: Target, connections: number, seconds: number): Promise<{ result: LoadResult; generatorCpu: number | null; wallMs: number }> {
  const command =
    context.generator.kind === "wrk"
      ? ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "-s", context.wrkScript, target.url]
      : [context.node, context.bench, ...routerWorkerArgs({ op: "load", url: target.url, connections, durationMs: seconds * 1000 })];
  const timeFile = join(context.scratch, "generator.time");
  const timed = existsSync(GNU_TIME) ? [GNU_TIME, "-f", "%e %U %S", "-o", timeFile, ...command] : command;
  const start = performance.now();
  const { code, stdout, stderr } = await runCommand(timed, { cwd: context.options.root, timeoutMs: seconds * 1000 + 60_000 });
  const wallMs = performance.now() - start;
  if (code !== 0) throw new CommandFailedError(command, code, stderr.trim() ? stderr : stdout);
  const result = context.generator.kind === "wrk" ? parseWrkReport(stdout) : parseLoadReport(stdout);
  const generatorCpu = timed === command ? null : gnuTimeCpuPercent(await readFile(timeFile, "utf8").catch(() => ""));
  return { result, generatorCpu, wallMs };
}

async function measureRun(context: Context, target: Target, connections: number, seconds: number): Promise<Measured> {
  const countsBefore = await upstreamCounts(context.v1Port);
  const [routerBefore, upstreamsBefore, machineBefore] = [await cpuTicks(target.pid), await cpuTicks(context.upstreamsPid), await machineTicks()];
  const { result, generatorCpu, wallMs } = await load(context, target, connections, seconds);
  const [routerAfter, upstreamsAfter, machineAfter] = [await cpuTicks(target.pid), await cpuTicks(context.upstreamsPid), await machineTicks()];
  const countsAfter = await upstreamCounts(context.v1Port);
  const percent = (before: number | null, after: number | null) => (before === null || after === null ? null : cpuPercent(after - before, context.ticksPerSecond, wallMs));
  const router = percent(routerBefore, routerAfter);
  const upstreams = percent(upstreamsBefore, upstreamsAfter);
  return {
    result,
    served: countsBefore && countsAfter ? [countsAfter[0] - countsBefore[0], countsAfter[1] - countsBefore[1]] : null,
    cpu: { generator: generatorCpu, router, upstreams, other: otherCpuPercent(machineBefore, machineAfter, cpus().length, [generatorCpu, router, upstreams]) },
    v2Share: countsBefore && countsAfter ? splitShare(countsBefore, countsAfter) : null,
  };
}

/** Where a target's requests must go: the routers split by ROUTER_WEIGHTS, direct and the relays reach v1 alone. */
const splitOf = (kind: TargetKind): SplitExpectation => ({ weights: kind === "builtin" || kind === "haproxy" ? ROUTER_WEIGHTS : { v1: 1, v2: 0 } });

async function machineTicks(): Promise<{ busy: number; total: number } | null> {
  try {
    return procStatCpu(await readFile("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

/** The pid of the process whose command line has `argument` (HAProxy in the foreground writes no pidfile). */
async function pidWithArgument(argument: string): Promise<number | null> {
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").includes(argument)) return Number(name);
  }
  return null;
}

/** `Threads:` of /proc/PID/status. */
async function threadCount(pid: number | null): Promise<number | null> {
  if (pid === null) return null;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const match = /^Threads:\s*(\d+)/m.exec(status);
  return match ? Number(match[1]) : null;
}

/**
 * The HAProxy floor: `haproxy -db -f relay.cfg` in `mode tcp`, one server (v1), no HTTP parsing.
 * The binary createHaproxyRouter resolves, and its global section but the admin socket (no
 * nbthread in either: the same threads), so the gap to the http router is HTTP alone.
 */
async function startHaproxyRelay(scratch: string, upstreamPort: number): Promise<{ readonly pid: number; readonly listen: string; stop(): Promise<void> }> {
  const { resolveHaproxyBinary } = await import("../runtime/deploy/router/haproxy/index.ts");
  const port = await freePort();
  const config = join(scratch, "relay-haproxy.cfg");
  await writeFile(
    config,
    [
      "global",
      "  maxconn 4096",
      "",
      "defaults",
      "  mode tcp",
      "  timeout connect 2000ms",
      "  timeout client 30000ms",
      "  timeout server 30000ms",
      "",
      "frontend fe",
      `  bind 127.0.0.1:${port}`,
      "  default_backend be",
      "",
      "backend be",
      `  server v1 127.0.0.1:${upstreamPort}`,
      "",
    ].join("\n"),
  );
  const child = spawn(await resolveHaproxyBinary("haproxy"), ["-db", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = () => stopChild(child, exited);
  try {
    await new Promise<void>((resolve, reject) => child.once("spawn", resolve).once("error", reject));
    const deadline = performance.now() + 10_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`haproxy exited at start (${config}): ${summarize(stderr) || "(no output)"}`);
      if (performance.now() > deadline) throw new Error(`haproxy did not listen on 127.0.0.1:${port} in 10 s: ${summarize(stderr) || "(no output)"}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { pid: child.pid!, listen: `127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether 127.0.0.1:`port` accepts a connection (closed again at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts `node dist/bench.mjs --router-worker ...` and waits for its first JSON line. */
async function startWorker(node: string, bench: string, command: RouterWorkerCommand, cwd: string, nodeFlags: readonly string[] = []): Promise<Worker> {
  const child = spawn(node, [...nodeFlags, bench, ...routerWorkerArgs(command)], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = () => stopChild(child, exited);
  try {
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`${command.op} worker did not start in 15 s: ${stderr.trim() || "(no output)"}`)), 15_000);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${command.op} worker exited at start: ${stderr.trim() || "(no output)"}`));
      });
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const line = stdout.split("\n").slice(0, -1).find((text) => text.startsWith("{"));
        if (line === undefined) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`${command.op} worker printed ${line.slice(0, 200)}`));
        }
      });
    });
    return { pid: child.pid!, hello, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, SIGKILL after 10 s (a profile being written takes a moment); resolves once it exited. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * In a closed loop each connection has one request in flight, so latency ≈ N / rps (Little's law):
 * at a connection count where a target saturates, its added latency is its throughput gap seen
 * from the other side.
 */
function littleNotes(rows: readonly RouterRow[]): string[] {
  const notes: string[] = [];
  for (const connections of [...new Set(rows.map((row) => row.connections))]) {
    const direct = rows.find((row) => row.connections === connections && row.target === "direct")?.summary;
    const builtin = rows.find((row) => row.connections === connections && row.target === "builtin")?.summary;
    if (!direct || !builtin) continue;
    const ratio = rpsRatio(direct.rps, builtin.rps, ROUTER_TARGETS.rpsRatio);
    const added = addedUnder(direct.p50Ms, builtin.p50Ms, ROUTER_TARGETS.addedP50Ms);
    if (!ratio || !added) continue;
    const littleMs = (n: number, rps: number) => (n / rps) * 1000;
    notes.push(
      `${connections} connections: N / rps is ${littleMs(connections, direct.rps).toFixed(3)} ms direct and ${littleMs(connections, builtin.rps).toFixed(3)} ms through the builtin router (a difference of ${(littleMs(connections, builtin.rps) - littleMs(connections, direct.rps)).toFixed(3)} ms; measured added p50 ${added.addedMs.toFixed(3)} ms): in a closed loop, each connection's latency is what the slowest process in the chain lets through, so added latency and the rps ratio are one figure seen twice.`,
    );
  }
  return notes;
}

/** A fresh builtin router under `node --cpu-prof`, one warm-up and one load run, then its self time. */
async function profileBuiltin(context: Context, ports: readonly [number, number], connections: number, why: string): Promise<string> {
  const dir = join(context.scratch, "profile");
  try {
    await mkdir(dir, { recursive: true });
    const worker = await startWorker(context.node, context.bench, { op: "builtin", ports }, context.options.root, ["--cpu-prof", "--cpu-prof-dir", dir]);
    let run: Measured;
    try {
      const target: Target = { kind: "builtin", url: `http://${String(worker.hello.listen)}/`, pid: worker.pid };
      await load(context, target, connections, WARMUP_SECONDS);
      run = await measureRun(context, target, connections, context.options.seconds);
    } finally {
      await worker.stop();
    }
    const file = (await readdir(dir)).find((name) => name.endsWith(".cpuprofile"));
    if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
    const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
    const summary = summarizeCpuProfile(profile, 14);
    const modules = summarizeProfileByModule(profile, 12);
    return (
      `builtin router: CPU profile of one more ${context.options.seconds} s run at ${connections} connections (${why}; \`node --cpu-prof\` on the router worker, ${run.result.rps.toFixed(0)} rps under the profiler, router CPU ${fmtPct(run.cpu.router)}; whole worker ${(summary.totalMs / 1000).toFixed(1)} s incl. start and warm-up). ` +
      `Self time by function: ${profileLine(summary)}. By module: ${modules.map((entry) => `${entry.module} ${(entry.share * 100).toFixed(0)}%`).join(", ")}.` +
      (summary.entries.some((entry) => entry.name === "writev" || entry.name === "writeLatin1String")
        ? " `writev` and `writeLatin1String` are the socket writes (the response to the client, the request headers to the upstream): native code around the write system call, which on loopback also runs the receiving side's TCP processing, so they are mostly kernel time; `(idle)` is V8's name for the event loop's poll phase (epoll, and the socket reads libuv does before it calls into JS), so with the router near 100% CPU it is mostly reads, not waiting."
        : "")
    );
  } catch (error) {
    return `builtin router: profiling failed: ${reason(error)}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
