/** The I/O shell of the run report: reads a run's plan and events and the deployment histories, then renders. */
import { existsSync } from "node:fs";
import { describeSpan, readDoraReport, type DoraFigures } from "../metrics/index.ts";
import { PlanSchema } from "../plan/schema.ts";
import { listRunIds, readRunEvents, readRunPlan, runDir } from "../run/run-store.ts";
import { ReportInputError } from "./errors.ts";
import { renderReportHtml } from "./render-html.ts";
import { buildRunModel } from "./run-model.ts";

export interface ReportOptions {
  /** A run id, or "last" (the default). */
  readonly run?: string;
  /** The DORA window, in milliseconds. @default 30 days */
  readonly sinceMs?: number;
  /** @default Date.now() */
  readonly now?: number;
}

export interface RenderedReport {
  readonly runId: string;
  readonly html: string;
}

const THIRTY_DAYS = 30 * 86_400_000;

/** Throws ReportInputError for an unknown run, a run without jobs or a run whose plan is damaged. */
export function renderRunReport(projectDir: string, options: ReportOptions = {}): RenderedReport {
  const wanted = options.run ?? "last";
  const runId = wanted === "last" ? listRunIds(projectDir)[0] : wanted;
  if (runId === undefined) throw new ReportInputError("no runs yet in .pipec/runs: pipec run starts one, then pipec report shows it");
  // A run id is one folder name: "..", "a/b" and the like name no run.
  if (!/^[\w.-]+$/.test(runId) || runId === "." || runId === ".." || !existsSync(runDir(projectDir, runId))) {
    throw new ReportInputError(`no run ${wanted} in .pipec/runs (pipec runs lists them)`);
  }
  let plan;
  try {
    plan = PlanSchema.parse(readRunPlan(projectDir, runId));
  } catch {
    throw new ReportInputError(`run ${runId} has no readable plan.json in .pipec/runs/${runId}: it cannot be reported (pipec runs rm ${runId} removes it)`);
  }
  if (Object.keys(plan.jobs).length === 0) throw new ReportInputError(`run ${runId} has no jobs: there is nothing to report`);
  const now = options.now ?? Date.now();
  const run = buildRunModel(runId, plan, readRunEvents(projectDir, runId), now);
  const sinceMs = options.sinceMs ?? THIRTY_DAYS;
  const html = renderReportHtml({ run, ...doraFor(projectDir, plan.jobs, sinceMs, now), doraWindow: `the last ${describeSpan(sinceMs)}`, generatedAt: new Date(now).toISOString() });
  return { runId, html };
}

/** The figures of the deployments the run's plan deploys (every deployment's when it deploys none); a problem, as a note. */
function doraFor(projectDir: string, jobs: Readonly<Record<string, { deploy: { name: string } | null }>>, sinceMs: number, now: number): { dora: DoraFigures[]; doraProblem: string | null } {
  const names = new Set(Object.values(jobs).flatMap((job) => (job.deploy === null ? [] : [job.deploy.name])));
  try {
    const report = readDoraReport(projectDir, { sinceMs, now });
    const mine = report.deployments.filter((f) => names.has(f.deployment!));
    return { dora: mine.length > 0 ? mine : [...report.deployments, ...(report.all === null ? [] : [report.all])], doraProblem: null };
  } catch (error) {
    return { dora: [], doraProblem: (error as Error).message };
  }
}
