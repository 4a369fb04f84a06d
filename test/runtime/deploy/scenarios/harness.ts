/**
 * Scenario helpers: deploy through the real loop (real router, real instances), a bounded
 * keep-alive load generator through the router, and an invariant monitor polling every 100 ms.
 */
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobOutcome } from "../../../../runtime/executor/types.ts";
import { runDeployment, type DeploymentHandle } from "../../../../runtime/deploy/loop/index.ts";
import { DeploymentSchema, type Deployment, type DeploymentInput } from "../../../../runtime/plan/schema.ts";
import type { RunEventDraft } from "../../../../runtime/run/events.ts";

export interface Deployed {
  readonly handle: DeploymentHandle;
  readonly outcome: Promise<JobOutcome>;
  readonly lines: string[];
  readonly events: RunEventDraft[];
  /** Ends serving (instances stopped, router closed). */
  stop(): Promise<void>;
}

export class Project {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Project> {
    return new Project(await mkdtemp(join(tmpdir(), "pipec-deploy-scenario-")));
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Starts a deployment; resolves once the loop's session exists (the outcome comes later). */
  async deploy(input: DeploymentInput, options: { signal?: AbortSignal; runId?: string | null; jobId?: string | null; pipeline?: string | null } = {}): Promise<Deployed> {
    const deployment: Deployment = DeploymentSchema.parse(input);
    const serving = new AbortController();
    const lines: string[] = [];
    const events: RunEventDraft[] = [];
    let started!: (handle: DeploymentHandle) => void;
    const handle = new Promise<DeploymentHandle>((resolve) => (started = resolve));
    const outcome = runDeployment({
      runId: options.runId ?? null,
      jobId: options.jobId ?? null,
      pipeline: options.pipeline === undefined ? "scenario" : options.pipeline,
      deployment,
      projectDir: this.dir,
      workspace: this.dir,
      env: {},
      engine: null,
      emit: (event) => events.push(event),
      signal: options.signal ?? new AbortController().signal,
      appendLog: (text) => lines.push(text.trimEnd()),
      serveUntil: serving.signal,
      onStarted: started,
    });
    const early = outcome.then((result) => {
      throw new Error(`the deployment ended before it started: ${JSON.stringify(result)}`);
    });
    const h = await Promise.race([handle, early]);
    return {
      handle: h,
      outcome,
      lines,
      events,
      stop: async () => {
        serving.abort();
        await h.stop();
      },
    };
  }
}

/** Polls `check` every 50 ms until it holds; throws with `describe()` after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface LoadResult {
  readonly requests: number;
  /** Connection errors and statuses other than 200, by kind (`500 v2`, `503`, `ECONNRESET`). */
  readonly failures: Record<string, number>;
  /** Responses per x-app-version. */
  readonly versions: Record<string, number>;
  /** Every response: when, status, version. */
  readonly timeline: readonly { readonly at: number; readonly status: number; readonly version: string }[];
}

/**
 * Bounded load: `connections` keep-alive connections to 127.0.0.1:PORT, each sending GET / back to
 * back with a `pauseMs` pause, until stopped or `maxMs` passed.
 */
export function startLoad(listen: string, options: { connections?: number; pauseMs?: number; maxMs?: number } = {}): { stop(): Promise<LoadResult> } {
  const [host, port] = [listen.split(":")[0]!, Number(listen.split(":")[1])];
  const connections = options.connections ?? 4;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const failures: Record<string, number> = {};
  const versions: Record<string, number> = {};
  const timeline: { at: number; status: number; version: string }[] = [];
  let requests = 0;
  let stopped = false;
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.request({ host, port, path: "/", agent, timeout: 5_000 }, (res) => {
        res.resume();
        res.once("end", () => {
          const version = String(res.headers["x-app-version"] ?? "-");
          requests += 1;
          timeline.push({ at: Date.now(), status: res.statusCode ?? 0, version });
          if (res.statusCode === 200) versions[version] = (versions[version] ?? 0) + 1;
          else failures[`${res.statusCode} ${version}`] = (failures[`${res.statusCode} ${version}`] ?? 0) + 1;
          resolve();
        });
        res.once("error", (error) => {
          failures[error.message] = (failures[error.message] ?? 0) + 1;
          resolve();
        });
      });
      req.once("timeout", () => req.destroy(new Error("timeout")));
      req.once("error", (error) => {
        requests += 1;
        const code = (error as NodeJS.ErrnoException).code ?? error.message;
        failures[code] = (failures[code] ?? 0) + 1;
        timeline.push({ at: Date.now(), status: 0, version: code });
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      await one();
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 4));
    }
  };
  const workers = Array.from({ length: connections }, () => worker());
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      return { requests, failures, versions, timeline };
    },
  };
}

export interface MonitorOptions {
  /** Rolling bounds, checked once the stable revision is fully up. */
  readonly rolling?: { readonly replicas: number; readonly maxSurge: number; readonly maxUnavailable: number };
}

export interface Monitor {
  /** Confirmed weights over time. */
  readonly weights: { readonly at: number; readonly stable: number; readonly canary: number }[];
  stop(): string[];
}

/**
 * Every 100 ms: an instance the router has is ready; a role with traffic has a ready instance; for
 * rolling, total instances ≤ replicas + maxSurge and ready ≥ replicas − maxUnavailable.
 */
export function startMonitor(handle: DeploymentHandle, options: MonitorOptions = {}): Monitor {
  const violations: string[] = [];
  const weights: { at: number; stable: number; canary: number }[] = [];
  let boundsArmed = false;
  const timer = setInterval(() => {
    const s = handle.snapshot();
    if (!s.serving) return;
    const at = Date.now();
    const note = (text: string) => violations.push(`${new Date(at).toISOString()} ${text} (phase ${s.phase}: ${s.message}; ${s.members.map((m) => `${m.id}:${m.health}${m.routed ? "*" : ""}`).join(" ")})`);
    if (s.weights !== null && (weights.length === 0 || weights.at(-1)!.stable !== s.weights.stable || weights.at(-1)!.canary !== s.weights.canary)) weights.push({ at, ...s.weights });
    // A stopping instance is still healthy while the router takes it out (the pool drains it first, then
    // stops it), as in the supervised monitor; requests it gets then must still succeed (the load checks it).
    for (const m of s.members) if (m.routed && m.health !== "ready" && m.health !== "stopping") note(`${m.id} is in the router while ${m.health}`);
    for (const role of ["stable", "canary"] as const) {
      const weight = s.weights?.[role] ?? 0;
      const ready = s.members.filter((m) => m.role === role && m.routed).length;
      if (weight > 0 && ready === 0 && s.phase !== "Starting" && s.phase !== "Degraded") note(`${role} has ${weight}% of the traffic and no ready instance in the router`);
    }
    if (options.rolling) {
      const { replicas, maxSurge, maxUnavailable } = options.rolling;
      const live = s.members.filter((m) => m.health !== "failed");
      const ready = live.filter((m) => m.health === "ready" && !m.stopping).length;
      if (s.phase !== "Starting" && ready >= replicas) boundsArmed = true;
      if (boundsArmed && s.phase !== "Degraded" && !s.settled) {
        if (live.length > replicas + maxSurge) note(`${live.length} instances > replicas ${replicas} + maxSurge ${maxSurge}`);
        if (ready < replicas - maxUnavailable) note(`${ready} ready < replicas ${replicas} - maxUnavailable ${maxUnavailable}`);
      }
    }
  }, 100);
  return {
    weights,
    stop() {
      clearInterval(timer);
      return violations;
    },
  };
}
