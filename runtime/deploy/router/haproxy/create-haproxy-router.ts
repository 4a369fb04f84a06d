import { randomBytes } from "node:crypto";
import { mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HeaderRoute, InstanceAddress, VersionMetrics } from "../../types.ts";
import { RouterClosedError } from "../errors.ts";
import { formatListen, freePort, parseListen } from "../listen-address.ts";
import { stickyCookieValue, validateStickiness } from "../sticky-cookie.ts";
import type { Stickiness, StickyRouter } from "../types.ts";
import { validateWeights } from "../weights.ts";
import { SPLIT_BACKEND, WEIGHT_PER_PERCENT, instanceServer, renderConfig, versionBackend, versionServer } from "./config.ts";
import { CounterHistory, type CounterSample } from "./counter-history.ts";
import { startHaproxy } from "./haproxy-process.ts";
import { routePattern, stickyPattern } from "./map-routes.ts";
import { cliArgument, runtimeCommand } from "./runtime-api.ts";
import { SlotTable, type SlotUse, type VersionSlot } from "./slots.ts";
import { parseServerWeights, parseShowStat, type StatRow } from "./stats.ts";

export interface HaproxyRouterOptions {
  /** `127.0.0.1:PORT`; port 0 picks a free port before HAProxy starts (read it from `router.listen`). */
  readonly listen: string;
  /** Directory for the config, pidfile, admin socket and route map; one router per directory. */
  readonly stateDir: string;
  /** @default "haproxy" (from PATH) */
  readonly binary?: string;
  /** Versions in use at once (weight, header route or instances); idle slots are reused. @default 8 */
  readonly versionSlots?: number;
  /** Instances per version, counting ones still draining. @default 16 */
  readonly instanceSlots?: number;
  /** @default { connectMs: 2000, clientMs: 30000, serverMs: 30000 } */
  readonly timeouts?: { readonly connectMs: number; readonly clientMs: number; readonly serverMs: number };
  /** How often counters are sampled for windowed metrics, and how far back. @default 1000 ms, 600000 ms */
  readonly metrics?: { readonly sampleMs?: number; readonly maxWindowMs?: number };
}

/**
 * Starts HAProxy (Debian's 2.6) on `listen` and drives it through its runtime API; see config.ts
 * for the layout. Weights apply with a resolution of 0.5% (HAProxy weights are integers) and
 * readWeights returns what HAProxy applies. Metrics come from HAProxy's counters: requests and
 * 5xx per version are exact over the window (±1 s, see CounterHistory); latencyAvgMs is HAProxy's
 * average response time over the version's last 1024 requests, not over the window; percentiles
 * are null (HAProxy keeps none). Cookie stickiness works as in the builtin router (see config.ts).
 */
export async function createHaproxyRouter(options: HaproxyRouterOptions): Promise<StickyRouter & { readonly kind: "haproxy" }> {
  const address = parseListen(options.listen);
  const port = address.port === 0 ? await freePort() : address.port;
  const versionSlots = options.versionSlots ?? 8;
  const stateDir = path.resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const files = {
    config: path.join(stateDir, "haproxy.cfg"),
    pid: path.join(stateDir, "haproxy.pid"),
    admin: path.join(stateDir, "admin.sock"),
    map: path.join(stateDir, "routes.map"),
    stickyMap: path.join(stateDir, "sticky.map"),
    cookieMap: path.join(stateDir, "cookies.map"),
  };
  await Promise.all([files.map, files.stickyMap, files.cookieMap].map((file) => writeFile(file, "")));
  await writeFile(
    files.config,
    renderConfig({
      port,
      adminSocket: files.admin,
      mapFile: files.map,
      stickyMapFile: files.stickyMap,
      cookieMapFile: files.cookieMap,
      abnsPrefix: `pipec-${process.pid}-${randomBytes(4).toString("hex")}`,
      versionSlots,
      instanceSlots: options.instanceSlots ?? 16,
      timeouts: options.timeouts ?? { connectMs: 2000, clientMs: 30_000, serverMs: 30_000 },
    }),
  );
  const haproxy = await startHaproxy({ binary: options.binary ?? "haproxy", configFile: files.config, pidFile: files.pid, adminSocket: files.admin });
  const listen = formatListen(port);
  const slots = new SlotTable(versionSlots, options.instanceSlots ?? 16);
  const routes = new Map<string, { readonly pattern: string; readonly backend: string }>();
  const sampleMs = options.metrics?.sampleMs ?? 1000;
  const history = new CounterHistory(versionSlots, performance.now(), sampleMs, options.metrics?.maxWindowMs ?? 600_000);
  let stickiness: Stickiness | null = null;
  /** The weights last set, by version. */
  let weighted = new Map<string, number>();
  /** A reused version slot's counters when its version took it: its metrics count from there. */
  const countersAtClaim = new Map<number, { readonly responses: number; readonly errors: number }>();
  let closed = false;

  const command = (text: string): Promise<string> => runtimeCommand(files.admin, text);
  const readStats = async (): Promise<StatRow[]> => parseShowStat(await command("show stat"));
  const sample = (rows: readonly StatRow[]): CounterSample => {
    const responses = new Array<number>(versionSlots).fill(0);
    const errors = new Array<number>(versionSlots).fill(0);
    for (const row of rows) {
      const slot = row.server === "BACKEND" && row.proxy.startsWith("be_v") ? Number(row.proxy.slice(4)) : -1;
      if (slot < 0 || slot >= versionSlots) continue;
      responses[slot] = row.responses;
      errors[slot] = row.errors5xx;
    }
    return { at: performance.now(), responses, errors };
  };

  // One mutation at a time: each is a sequence of runtime commands that must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new RouterClosedError(listen));
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };

  const sampler = setInterval(() => {
    if (closed) return;
    readStats().then((rows) => history.add(sample(rows)), () => undefined);
  }, sampleMs);
  sampler.unref();

  /** Replaces a map's entries atomically (a new version, filled, then committed). */
  const writeMap = async (file: string, entries: Iterable<readonly [key: string, value: string]>): Promise<void> => {
    const reply = await command(`prepare map ${file}`);
    const version = /version created: (\d+)/i.exec(reply)?.[1];
    if (version === undefined) throw new Error(`unexpected reply to "prepare map": ${reply.trim()}`);
    for (const [key, value] of entries) await command(`add map @${version} ${file} ${cliArgument(key)} ${cliArgument(value)}`);
    await command(`commit map @${version} ${file}`);
  };
  const writeRoutes = (): Promise<void> => writeMap(files.map, [...routes.values()].map((route) => [route.pattern, route.backend] as const));
  /**
   * The sticky maps for the current stickiness: cookies pin only to versions with a weight (in
   * `weights`, by default the applied ones), and weight-picked responses set the cookie.
   */
  const writeSticky = async (weights: ReadonlyMap<string, number> = weighted): Promise<void> => {
    const on = stickiness;
    if (on === null) {
      await writeMap(files.stickyMap, []);
      await writeMap(files.cookieMap, []);
      return;
    }
    const pinned = slots.all().filter((slot) => (weights.get(slot.version) ?? 0) > 0);
    await writeMap(files.stickyMap, pinned.map((slot) => [stickyPattern(on.cookie, slot.version), versionBackend(slot.index)] as const));
    await writeMap(files.cookieMap, slots.all().map((slot) => [versionServer(slot.index), stickyCookieValue(on, slot.version)] as const));
  };

  /**
   * The slot of `version`; when all are taken, an idle one (see SlotTable.claim) is freed for it,
   * so a router that lives across many rollouts never runs out. Runs inside `serial`.
   */
  const claimSlot = async (version: string, keep: ReadonlySet<string>): Promise<VersionSlot> => {
    if (slots.find(version) !== undefined || slots.all().length < versionSlots) return slots.claim(version).slot;
    const rows = await readStats();
    const use: SlotUse = {
      keep,
      weight: (name) => weighted.get(name) ?? 0,
      routed: (index) => [...routes.values()].some((route) => route.backend === versionBackend(index)),
      busy: (index, server) =>
        (rows.find((row) => row.proxy === versionBackend(index) && row.server === instanceServer(server))?.current ?? 1) > 0,
    };
    const { slot, commands } = slots.claim(version, use);
    for (const text of commands) await command(text);
    const counters = sample(rows);
    countersAtClaim.set(slot.index, { responses: counters.responses[slot.index] ?? 0, errors: counters.errors[slot.index] ?? 0 });
    if (stickiness !== null) await writeSticky();
    return slot;
  };

  return {
    kind: "haproxy",
    listen,
    setInstances: (version: string, instances: readonly InstanceAddress[]) =>
      serial(async () => {
        const slot = await claimSlot(version, new Set([version]));
        slot.listed = true;
        const backend = versionBackend(slot.index);
        let busy = (_index: number): boolean => false;
        if (slot.instances.some((server) => server.state === "draining")) {
          const rows = await readStats();
          busy = (index) => (rows.find((row) => row.proxy === backend && row.server === instanceServer(index))?.current ?? 1) > 0;
        }
        for (const text of slots.planInstances(slot, instances, busy)) await command(text);
      }),
    setWeights: (weights: Readonly<Record<string, number>>) =>
      serial(async () => {
        const entries = new Map(validateWeights(weights));
        const named = new Set(entries.keys());
        for (const version of named) (await claimSlot(version, named)).listed = true;
        // A version losing its weight loses its sticky clients first, so none reach it after the switch.
        if (stickiness !== null) await writeSticky(new Map([...weighted].filter(([version]) => (entries.get(version) ?? 0) > 0)));
        // Raises first, then lowers: set one by one, the weights must never all be 0 at once (that
        // moment answers 503), as when 100% moves from one version to another in a single step.
        const changes = slots.all().map((slot) => ({ slot, from: weighted.get(slot.version) ?? 0, to: entries.get(slot.version) ?? 0 }));
        for (const { slot, to } of [...changes.filter((c) => c.to >= c.from), ...changes.filter((c) => c.to < c.from)]) {
          await command(`set weight ${SPLIT_BACKEND}/${versionServer(slot.index)} ${Math.round(to * WEIGHT_PER_PERCENT)}`);
        }
        weighted = entries;
        if (stickiness !== null) await writeSticky();
      }),
    setStickiness: (next: Stickiness | null) =>
      serial(async () => {
        stickiness = next === null ? null : validateStickiness(next);
        await writeSticky();
      }),
    readWeights: () =>
      serial(async () => {
        const applied = parseServerWeights(await command(`show servers state ${SPLIT_BACKEND}`));
        const weights: Record<string, number> = {};
        for (const slot of slots.all()) {
          if (slot.listed) weights[slot.version] = (applied.get(versionServer(slot.index)) ?? 0) / WEIGHT_PER_PERCENT;
        }
        return weights;
      }),
    setHeaderRoute: (route: HeaderRoute) =>
      serial(async () => {
        const pattern = routePattern(route);
        routes.set(route.name, { pattern, backend: versionBackend((await claimSlot(route.version, new Set([route.version]))).index) });
        await writeRoutes();
      }),
    removeHeaderRoute: (name: string) =>
      serial(async () => {
        if (routes.delete(name)) await writeRoutes();
      }),
    metrics: (version: string, windowMs: number) =>
      serial(async () => {
        const slot = slots.find(version);
        if (slot === undefined) return toMetrics(0, 0, null);
        const rows = await readStats();
        const now = sample(rows);
        const base = history.baseline(now.at - windowMs);
        // Counters only grow, so the later of the window's start and the slot's claim is the larger.
        const claimed = countersAtClaim.get(slot.index);
        const requests = (now.responses[slot.index] ?? 0) - Math.max(base.responses[slot.index] ?? 0, claimed?.responses ?? 0);
        const errors = (now.errors[slot.index] ?? 0) - Math.max(base.errors[slot.index] ?? 0, claimed?.errors ?? 0);
        const row = rows.find((candidate) => candidate.proxy === versionBackend(slot.index) && candidate.server === "BACKEND");
        return toMetrics(requests, errors, row?.rtimeMs ?? null);
      }),
    async close(): Promise<void> {
      if (closed) return;
      await queue;
      closed = true;
      clearInterval(sampler);
      await haproxy.stop();
      await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
      // The folder too, when it holds nothing else (it may be the caller's, with other files in it).
      await rmdir(stateDir).catch(() => undefined);
    },
  };
}

function toMetrics(requests: number, errors: number, rtimeMs: number | null): VersionMetrics {
  const none = requests <= 0;
  return {
    requests: Math.max(0, requests),
    errors: Math.max(0, errors),
    errorRate: none ? null : errors / requests,
    successRate: none ? null : (requests - errors) / requests,
    latencyAvgMs: none ? null : rtimeMs,
    latencyP50Ms: null,
    latencyP95Ms: null,
    latencyP99Ms: null,
  };
}

