/**
 * What the run report shows, built from a run's plan and events alone (a pure function): the jobs
 * with their needs, status, attempts and steps on one time axis, the critical path, test results,
 * gates, artifacts and deployments over time. Log text and messages come from the events, masked
 * when the run wrote them; nothing here reads a secret.
 */
import type { Plan } from "../plan/schema.ts";
import type { RunEvent } from "../run/events.ts";

export interface StepBar {
  readonly index: number;
  readonly name: string;
  readonly status: string;
  /** Milliseconds since the run started. */
  readonly start: number;
  readonly end: number;
}

export interface JobRow {
  readonly id: string;
  readonly name: string;
  readonly needs: readonly string[];
  readonly kind: "steps" | "deploy";
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  /** Milliseconds since the run started; null for a job that never started (skipped, cancelled before it ran, a cache hit). */
  readonly start: number | null;
  readonly end: number | null;
  readonly steps: readonly StepBar[];
  readonly critical: boolean;
  readonly cached: boolean;
  /** The last lines a failed job printed (masked by the run). */
  readonly logTail: readonly string[];
}

export type ReportsEvent = Extract<RunEvent, { type: "job.reports" }>;
export type GatesEvent = Extract<RunEvent, { type: "job.gates" }>;
export type ArtifactEvent = Extract<RunEvent, { type: "artifact.stored" }>;
export type DeployStatusEvent = Extract<RunEvent, { type: "deploy.status" }>;
export type CommitEvent = Extract<RunEvent, { type: "run.commit" }>;
export type AnalysisEvent = Extract<RunEvent, { type: "deploy.analysis" }>;

export interface DeploymentSeries {
  readonly job: string;
  readonly deployment: string;
  readonly revision: number;
  /** Each status change, with milliseconds since the run started. */
  readonly points: ReadonlyArray<{ readonly at: number; readonly phase: string; readonly stable: number | null; readonly canary: number | null; readonly message: string }>;
  /** Each judged analysis measurement, with milliseconds since the run started. */
  readonly analysis: ReadonlyArray<Omit<AnalysisEvent, "type" | "time" | "runId" | "job" | "deployment" | "revision"> & { readonly at: number }>;
}

export interface RunModel {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: string;
  readonly reason: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly executor: string | null;
  readonly commit: CommitEvent | null;
  readonly criticalPath: readonly string[];
  readonly criticalPathMs: number | null;
  readonly jobs: readonly JobRow[];
  readonly reports: readonly ReportsEvent[];
  readonly gates: readonly GatesEvent[];
  readonly artifacts: readonly ArtifactEvent[];
  readonly deployments: readonly DeploymentSeries[];
  readonly notices: readonly string[];
}

const LOG_TAIL_LINES = 20;

/** The last element that passes (Array.prototype.findLast is ES2023; the project targets ES2022). */
function findLast<T, S extends T>(items: readonly T[], test: (item: T) => item is S): S | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i] as S;
  return undefined;
}

export function buildRunModel(runId: string, plan: Plan, events: readonly RunEvent[], now: number): RunModel {
  const started = events.find((e): e is Extract<RunEvent, { type: "run.started" }> => e.type === "run.started");
  const finished = findLast(events, (e): e is Extract<RunEvent, { type: "run.finished" }> => e.type === "run.finished");
  const t0 = Date.parse(started?.time ?? events[0]?.time ?? new Date(now).toISOString());
  const since = (time: string) => Math.max(0, Date.parse(time) - t0);
  const lastTime = events.length === 0 ? t0 : Math.max(...events.map((e) => Date.parse(e.time)));
  const end = finished === undefined ? lastTime - t0 : since(finished.time);
  const critical = new Set(finished?.criticalPath ?? []);

  const jobs = Object.entries(plan.jobs).map(([id, job]): JobRow => {
    const mine = events.filter((e) => "job" in e && e.job === id);
    const starts = mine.filter((e) => e.type === "job.started");
    const done = findLast(mine, (e): e is Extract<RunEvent, { type: "job.finished" }> => e.type === "job.finished");
    const lastStatus = findLast(mine, (e): e is Extract<RunEvent, { type: "job.status" }> => e.type === "job.status");
    const first = starts[0];
    const stepStarts = new Map<string, number>();
    const steps: StepBar[] = [];
    for (const e of mine) {
      if (e.type === "step.started") stepStarts.set(`${e.attempt}:${e.step}`, since(e.time));
      if (e.type === "step.finished") {
        const at = since(e.time);
        steps.push({ index: e.step, name: e.name, status: e.status, start: Math.max(0, at - e.durationMs), end: at });
      }
    }
    const logs = mine.filter((e): e is Extract<RunEvent, { type: "job.log" }> => e.type === "job.log");
    const status = done?.status ?? lastStatus?.status ?? (finished === undefined ? "pending" : "not run");
    const failed = status === "failed" || status === "timed-out";
    return {
      id,
      name: job.name,
      needs: job.needs,
      kind: job.deploy === null ? "steps" : "deploy",
      status,
      reason: done?.reason ?? lastStatus?.reason ?? null,
      attempts: done?.attempts ?? starts.length,
      start: first === undefined ? null : since(first.time),
      end: first === undefined ? null : done === undefined ? end : since(done.time),
      steps,
      critical: critical.has(id),
      cached: mine.some((e) => e.type === "job.cache" && e.hit),
      logTail: failed ? logs.slice(-LOG_TAIL_LINES).flatMap((e) => e.text.replace(/\n$/, "").split("\n")).slice(-LOG_TAIL_LINES) : [],
    };
  });

  const deployments = new Map<string, DeploymentSeries & { points: DeploymentSeries["points"][number][]; analysis: DeploymentSeries["analysis"][number][] }>();
  for (const e of events) {
    if (e.type !== "deploy.status" && e.type !== "deploy.analysis") continue;
    const key = `${e.job}\0${e.revision}`;
    let series = deployments.get(key);
    if (series === undefined) deployments.set(key, (series = { job: e.job, deployment: e.deployment, revision: e.revision, points: [], analysis: [] }));
    if (e.type === "deploy.status") series.points.push({ at: since(e.time), phase: e.phase, stable: e.weights?.stable ?? null, canary: e.weights?.canary ?? null, message: e.message });
    else series.analysis.push({ at: since(e.time), analysisId: e.analysisId, metric: e.metric, phase: e.phase, value: e.value, weight: e.weight, message: e.message });
  }

  return {
    runId,
    pipeline: plan.name,
    status: finished?.status ?? "running",
    reason: finished?.reason ?? null,
    startedAt: new Date(t0).toISOString(),
    durationMs: finished?.durationMs ?? end,
    executor: started?.executor ?? null,
    commit: events.find((e): e is CommitEvent => e.type === "run.commit") ?? null,
    criticalPath: finished?.criticalPath ?? [],
    criticalPathMs: finished?.criticalPathMs ?? null,
    jobs,
    reports: events.filter((e): e is ReportsEvent => e.type === "job.reports"),
    gates: events.filter((e): e is GatesEvent => e.type === "job.gates"),
    artifacts: events.filter((e): e is ArtifactEvent => e.type === "artifact.stored"),
    deployments: [...deployments.values()],
    notices: events.flatMap((e) => (e.type === "run.notice" ? [`${e.level}: ${e.message}`] : [])),
  };
}

/** Layers of the job graph, for drawing it left to right: a job sits one layer after its deepest need. */
export function layerJobs(jobs: readonly Pick<JobRow, "id" | "needs">[]): string[][] {
  const needs = new Map(jobs.map((j) => [j.id, j.needs.filter((n) => jobs.some((o) => o.id === n))]));
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // A cycle cannot reach a run (plans are validated); guard anyway so a damaged plan still renders.
    if (seen.has(id)) return 0;
    seen.add(id);
    const d = Math.max(-1, ...(needs.get(id) ?? []).map((n) => visit(n, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  for (const j of jobs) visit(j.id, new Set());
  const layers: string[][] = [];
  for (const j of jobs) (layers[depth.get(j.id)!] ??= []).push(j.id);
  return layers.map((layer) => layer.sort());
}
